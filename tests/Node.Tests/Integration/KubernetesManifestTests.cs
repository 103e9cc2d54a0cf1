using System.Text;
using k8s;
using k8s.Models;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Cli;
using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// `shanghaichain testnet --k8s DIR` through the real executable, its manifests parsed back with the KubernetesClient
/// models: one StatefulSet of N pods with per-ordinal identity (each ordinal's config and keys present, the keys those of
/// genesis' validators and admitted nodes), peers by the headless service's stable names, probes on the node's health
/// endpoints, resources and a volume per pod; the Secret holds the keys and the file is private; bad flags refused.
/// </summary>
public sealed class KubernetesManifestTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("shc-k8s-test-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public async Task Testnet_k8s_writes_a_statefulset_whose_ordinals_carry_the_identities_genesis_names()
    {
        var dir = Path.Combine(_out, "k8s");
        var run = await NodeBinary.RunAsync("testnet", "--validators", "4", "--crypto", "sm2-sm3", "--chain-id", "shanghai-k8s",
            "--k8s", dir, "--namespace", "city-chain", "--image", "registry.example/shanghaichain:1.0", "--storage", "50Gi");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var manifest = Path.Combine(dir, "shanghaichain.yaml");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(manifest));
        }
        Assert.True(File.Exists(Path.Combine(dir, "operator_key.json")));

        var objects = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(manifest));
        Assert.Equal(["Namespace", "ConfigMap", "Secret", "Service", "Service", "StatefulSet"], objects.Select(o => ((IKubernetesObject)o).Kind));
        var config = objects.OfType<V1ConfigMap>().Single();
        var secret = objects.OfType<V1Secret>().Single();
        var set = objects.OfType<V1StatefulSet>().Single();
        Assert.All(objects.Cast<IKubernetesObject<V1ObjectMeta>>().Skip(1), o => Assert.Equal("city-chain", o.Metadata.NamespaceProperty));

        // Genesis: valid, four validators whose keys are in the Secret under their ordinals.
        var genesisPath = Path.Combine(_out, "genesis.json");
        await File.WriteAllTextAsync(genesisPath, config.Data["genesis.json"]);
        var genesis = GenesisFile.Load(genesisPath);
        Assert.Empty(genesis.Validate());
        Assert.Equal(("shanghai-k8s", "sm2-sm3"), (genesis.ChainId, genesis.CryptoSuite));
        for (var i = 0; i < 4; i++)
        {
            var keyPath = Path.Combine(_out, $"v{i}.json");
            await File.WriteAllBytesAsync(keyPath, secret.Data[$"node-{i}-validator_key.json"]);
            Assert.Equal(genesis.Validators[i].PublicKey, Hex.Encode(KeyFile.Load(keyPath).PublicKey));
            var nodeKeyPath = Path.Combine(_out, $"n{i}.json");
            await File.WriteAllBytesAsync(nodeKeyPath, secret.Data[$"node-{i}-node_key.json"]);
            Assert.Contains(genesis.Nodes, n => n.PublicKey == Hex.Encode(KeyFile.Load(nodeKeyPath).PublicKey));
            Assert.True(secret.Data.ContainsKey($"node-{i}-safety_record.pb"));

            // node.toml: listens on every interface, and dials the three others by their stable names.
            var tomlPath = Path.Combine(_out, $"node-{i}.toml");
            await File.WriteAllTextAsync(tomlPath, config.Data[$"node-{i}.toml"]);
            var node = NodeConfig.Load(tomlPath, new Dictionary<string, string?>());
            Assert.Equal(($"0.0.0.0:{KubernetesManifests.ApiPort}", $"0.0.0.0:{KubernetesManifests.P2pPort}"), (node.ApiListen, node.P2pListen));
            var peers = node.PeerUrls.Select(u => u.Host).ToList();
            Assert.Equal(3, peers.Count);
            Assert.DoesNotContain(KubernetesManifests.PodHost(i, "city-chain"), peers);
            Assert.All(peers, p => Assert.Matches(@"^shanghaichain-[0-3]\.shanghaichain-peers\.city-chain\.svc\.cluster\.local$", p));
        }

        Assert.Equal(4, set.Spec.Replicas);
        Assert.Equal("shanghaichain-peers", set.Spec.ServiceName);
        var pod = set.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        Assert.Equal("registry.example/shanghaichain:1.0", container.Image);
        Assert.Equal(["start", "--home", "/home/shanghaichain"], container.Args);
        Assert.Equal(KubernetesManifests.ApiPort, container.LivenessProbe.Grpc.Port);
        Assert.Equal("/ready", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(KubernetesManifests.MetricsPort.ToString(), container.ReadinessProbe.HttpGet.Port.Value);
        Assert.NotNull(container.Resources.Requests["cpu"]);
        Assert.Equal("50Gi", set.Spec.VolumeClaimTemplates.Single().Spec.Resources.Requests["storage"].ToString());
        var init = Assert.Single(pod.InitContainers);
        Assert.Contains("node-$n.toml", init.Command[2], StringComparison.Ordinal);
        var peersService = objects.OfType<V1Service>().Single(s => s.Metadata.Name == "shanghaichain-peers");
        Assert.Equal("None", peersService.Spec.ClusterIP);
        Assert.Contains(peersService.Spec.Ports, p => p.Port == KubernetesManifests.P2pPort);
        Assert.Contains("kubectl apply -f", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Encoding.UTF8.GetString(secret.Data["node-0-validator_key.json"]), run.Stdout, StringComparison.Ordinal);

        // --k8s excludes the flags of local homes, and an existing directory is not overwritten.
        var mixed = await NodeBinary.RunAsync("testnet", "--k8s", Path.Combine(_out, "other"), "--output", Path.Combine(_out, "homes"));
        Assert.Equal(2, mixed.ExitCode);
        Assert.Contains("--output, --followers and --base-port do not apply", mixed.Stderr, StringComparison.Ordinal);
        var again = await NodeBinary.RunAsync("testnet", "--k8s", dir);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists and is not empty", again.Stderr, StringComparison.Ordinal);
        var neither = await NodeBinary.RunAsync("testnet");
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("--output DIR (local homes) or --k8s DIR", neither.Stderr, StringComparison.Ordinal);
    }
}
