using Spectre.Console;
using Spectre.Console.Rendering;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// Tables through Spectre.Console on standard output. On a terminal they fit its width and use its colours; redirected
/// (a pipe, a file, a test) they are plain text, 240 columns wide so that long hashes are never wrapped.
/// </summary>
internal static class CliOutput
{
    private static readonly Lazy<IAnsiConsole> Console = new(() =>
    {
        var redirected = System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(System.Console.Out),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = 240;
        }
        return console;
    });

    public static void Write(IRenderable renderable) => Console.Value.Write(renderable);

    /// <summary>A table with these column headers (plain text, escaped).</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column)));
        }
        return table;
    }

    /// <summary>Adds a row of plain text cells (escaped, so brackets in values are never read as markup).</summary>
    public static Table Row(this Table table, params string[] cells)
    {
        table.AddRow([.. cells.Select(c => new Text(c))]);
        return table;
    }
}
