using System.Text;
using System.Text.Json.Nodes;
using ShanghaiChain.Chain.Feed;

namespace ShanghaiChain.Node.Observability;

/// <summary>
/// The dashboard on the node's HTTP port (the metrics port; docs/dashboard.md): the page at <c>/dashboard</c> (one
/// self-contained HTML file embedded in the node: no build step, no CDN), its data at <c>/dashboard/state</c>, the
/// search at <c>/dashboard/search?q=</c> and live updates at <c>/dashboard/events</c> (server-sent events, one per
/// committed block). Read-only. Validated here: the query's length; everything else is the node's own state.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Longest search query accepted (a 0x-prefixed 32-byte hash is 66).</summary>
    public const int MaxQuery = 80;

    /// <summary>Events buffered for a slow page before it is ended (it reconnects and reloads the state).</summary>
    private const int EventBuffer = 256;

    public static void Map(IEndpointRouteBuilder app, string host)
    {
        app.MapGet("/dashboard", () => Results.Content(Page.Value, "text/html; charset=utf-8")).RequireHost(host);
        app.MapGet("/dashboard/state", (DashboardState state) => Json(state.Snapshot())).RequireHost(host);
        app.MapGet("/dashboard/search", (string? q, DashboardState state) =>
            q is null || q.Length == 0 ? Results.BadRequest("q is required")
            : q.Length > MaxQuery ? Results.BadRequest($"q is longer than {MaxQuery} characters")
            : Json(state.Search(q))).RequireHost(host);
        app.MapGet("/dashboard/events", StreamAsync).RequireHost(host);
    }

    private static IResult Json(JsonObject value) => Results.Content(value.ToJsonString(), "application/json; charset=utf-8");

    /// <summary>One "block" event per committed block until the page goes away or falls <see cref="EventBuffer"/> blocks behind.</summary>
    private static async Task StreamAsync(HttpContext context, ChainFeed feed)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        using var subscription = feed.Subscribe(EventBuffer);
        var cancel = context.RequestAborted;
        try
        {
            await context.Response.WriteAsync(": connected\n\n", cancel).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
            await foreach (var block in subscription.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
            {
                var data = new JsonObject
                {
                    ["height"] = block.Block.Height,
                    ["transactions"] = block.TxIds.Count,
                    ["timeMs"] = block.Block.Header.TimestampMs,
                }.ToJsonString();
                await context.Response.WriteAsync($"event: block\ndata: {data}\n\n", cancel).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The page closed: nothing to report.
        }
    }

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("ShanghaiChain.Node.Observability.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is not embedded in the node");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });
}
