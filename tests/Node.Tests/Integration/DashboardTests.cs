using Google.Protobuf;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The node's dashboard in a real browser (headless Chromium through chromedriver, Debian's packages; the Node.Tests
/// build installs them): the page served on the node's HTTP port shows the chain, moves on by itself as blocks commit
/// (no reload), lists the validator with its share of the certificates, the recent blocks and the governance record,
/// and its search finds a transaction, a block and an account, and says when nothing matches.
/// </summary>
public sealed class DashboardTests
{
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000d5");

    [Fact]
    public async Task The_dashboard_shows_the_chain_live_and_finds_transactions_blocks_and_accounts()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 1, emptyBlockIntervalMs: 300);
        await using var node = await chain.StartAsync();
        using var client = new ApiClient(node.Url);
        using var browser = StartBrowser();
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        // The page re-renders its tables on every block: an element read while it is replaced is read again.
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));

        browser.Navigate().GoToUrl($"http://127.0.0.1:{chain.MetricsPort}/dashboard");
        Assert.Equal("ShanghaiChain node", browser.Title);
        wait.Until(d => d.FindElement(By.Id("chain-id")).Text == "test-chain");
        Assert.Equal("ed25519-sha256", browser.FindElement(By.Id("suite")).Text);
        wait.Until(d => d.FindElement(By.Id("live")).Text == "live");
        var first = Height(browser);

        // A transfer commits while the page stays open: the height and the recent blocks move without a reload.
        var tx = await client.SignTransferAsync(chain.Accounts[0], Recipient, 42, 0);
        var id = (await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId;
        var receipt = (await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 30_000 })).Receipt;
        wait.Until(d => Height(d) >= receipt.BlockHeight);
        Assert.True(Height(browser) > first);
        wait.Until(d => Table(d, "blocks").Any(cells => cells[0] == receipt.BlockHeight.ToString() && cells[3] == "1"));
        var validatorCells = Assert.Single(wait.Until(d => Table(d, "validators") is { Count: 1 } rows ? rows : null)!);
        Assert.Equal(Core.Keys.KeyFile.Load(chain.Home.ValidatorKeyFile).Address.ToString(), validatorCells[1]);
        Assert.Matches(@"^(\d+)/\1$", validatorCells[3]);
        wait.Until(d => d.FindElement(By.Id("governance-summary")).Text.Contains("1 member(s)", StringComparison.Ordinal));

        var txId = Hex.Encode(id.Span);
        Search(browser, wait, txId);
        var found = browser.FindElement(By.Id("search-result")).Text;
        Assert.StartsWith("transaction", found, StringComparison.Ordinal);
        Assert.Contains($"\"height\": {receipt.BlockHeight}", found, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"Success\"", found, StringComparison.Ordinal);

        Search(browser, wait, receipt.BlockHeight.ToString());
        Assert.Contains(txId, browser.FindElement(By.Id("search-result")).Text, StringComparison.Ordinal);
        Search(browser, wait, Recipient.ToString());
        Assert.Contains("\"balance\": \"42\"", browser.FindElement(By.Id("search-result")).Text, StringComparison.Ordinal);
        Search(browser, wait, "99999999");
        Assert.Equal("nothing found for 99999999", browser.FindElement(By.Id("search-result")).Text);
    }

    /// <summary>A table's cells as text, read in one script (the page replaces its rows on every block).</summary>
    private static List<string[]> Table(IWebDriver browser, string id) =>
        [.. ((IReadOnlyCollection<object>)((IJavaScriptExecutor)browser).ExecuteScript(
            $"return [...document.querySelectorAll('#{id} tbody tr')].map(r => [...r.cells].map(c => c.textContent))")!)
            .Select(row => ((IReadOnlyCollection<object>)row).Select(c => (string)c).ToArray())];

    private static ulong Height(IWebDriver browser) =>
        ulong.TryParse(browser.FindElement(By.Id("height")).Text, out var height) ? height : 0;

    private static void Search(IWebDriver browser, WebDriverWait wait, string query)
    {
        var result = browser.FindElement(By.Id("search-result"));
        var before = result.Text;
        var input = browser.FindElement(By.Id("search-input"));
        input.Clear();
        input.SendKeys(query);
        browser.FindElement(By.Id("search-button")).Click();
        wait.Until(_ => result.Text.Length > 0 && result.Text != before);
    }

    private static ChromeDriver StartBrowser()
    {
        if (!File.Exists("/usr/bin/chromedriver") || !File.Exists("/usr/bin/chromium"))
        {
            throw new InvalidOperationException("the dashboard test needs Debian's chromium and chromium-driver (tools/ensure-chromium.sh installs them)");
        }
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
