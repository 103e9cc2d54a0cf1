using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// A node on encrypted key files (issue 18, keys at rest): started with the passphrase from a file, refused with a clear
/// message on a wrong or missing passphrase, and refused on a key file others may read, all before its store opens.
/// </summary>
public sealed class KeysAtRestTests
{
    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name)]
    [InlineData(CryptoSuite.Sm2Sm3Name)]
    public async Task A_node_starts_on_encrypted_keys_with_the_passphrase_from_a_file_and_refuses_a_wrong_or_missing_one(string suiteName)
    {
        using var chain = new TestChain(CryptoSuite.FromName(suiteName));
        var passphrase = Path.Combine(chain.Root, "passphrase");
        var wrong = Path.Combine(chain.Root, "wrong");
        File.WriteAllText(passphrase, "long enough to be a passphrase\n");
        File.WriteAllText(wrong, "not it\n");
        foreach (var key in new[] { chain.Home.ValidatorKeyFile, chain.Home.NodeKeyFile })
        {
            var encrypted = await NodeBinary.RunAsync("keys", "encrypt", key, "--passphrase-file", passphrase);
            Assert.True(encrypted.ExitCode == 0, encrypted.Stderr);
            Assert.Contains($"stored:     encrypted (scrypt, {(suiteName == CryptoSuite.Sm2Sm3Name ? "sm4-gcm" : "aes-256-gcm")})", encrypted.Stdout, StringComparison.Ordinal);
        }

        var refused = await NodeBinary.RunAsync("start", "--home", chain.Home.Root, "--passphrase-file", wrong);
        Assert.Equal((1, $"error: cannot decrypt key file {chain.Home.ValidatorKeyFile}: wrong passphrase (or the file was altered)"),
            (refused.ExitCode, refused.Stderr.TrimEnd('\n')));
        var missing = await NodeBinary.RunAsync("start", "--home", chain.Home.Root);
        Assert.Equal((1, $"error: {chain.Home.ValidatorKeyFile} is encrypted and no passphrase was given: use --passphrase-file FILE or set SHC_KEY_PASSPHRASE"),
            (missing.ExitCode, missing.Stderr.TrimEnd('\n')));
        Assert.False(Directory.Exists(chain.Home.ChainDbDir), "the store was opened before the keys were");

        await using (var node = await NodeProcess.StartAsync(chain.Home.Root, chain.Port, null, "--passphrase-file", passphrase))
        {
            using var client = new ApiClient(node.Url);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while ((await client.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: timeout.Token)).HeadHeight < 3)
            {
                await Task.Delay(NodeBinary.PollInterval, timeout.Token);
            }
            // It signs with the decrypted validator key (the one genesis names).
            var status = await NodeBinary.RunAsync("status", "--node", node.Url);
            Assert.Contains($"validator:    {Core.Keys.KeyFile.Load(chain.Home.ValidatorKeyFile, _ => "long enough to be a passphrase").Address}", status.Stdout,
                StringComparison.Ordinal);
            Assert.DoesNotContain("stored in the clear", node.Log, StringComparison.Ordinal);
            await node.KillAsync();
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(chain.Home.ValidatorKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var loose = await NodeBinary.RunAsync("start", "--home", chain.Home.Root, "--passphrase-file", passphrase);
            Assert.Equal((1, $"error: key file {chain.Home.ValidatorKeyFile} is readable by others (mode 0644): chmod 600 it, or pass --allow-loose-key-permissions"),
                (loose.ExitCode, loose.Stderr.TrimEnd('\n')));
        }
    }

    [Fact]
    public async Task A_node_on_plain_keys_starts_and_says_they_are_in_the_clear()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256);
        await using var node = await chain.StartAsync();
        // The startup report comes line by line once the host has started, which may be just after the API port answers.
        await node.WaitForLogAsync($"  note: key file {chain.Home.ValidatorKeyFile} is stored in the clear ('shanghaichain keys encrypt' encrypts it)",
            TimeSpan.FromSeconds(30));
    }
}
