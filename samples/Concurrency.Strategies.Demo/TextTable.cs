namespace Concurrency.Strategies.Demo;

/// <summary>
/// A plain-text table with columns sized to their widest cell: no box-drawing characters or ANSI escapes, so it
/// reads the same in a terminal, a redirected file or a CI log.
/// </summary>
/// <param name="columns">Each column's header and whether its cells are right-aligned (numbers).</param>
internal sealed class TextTable(params (string Header, bool AlignRight)[] columns)
{
    private const string Gap = "  ";
    private readonly List<string[]> _rows = [];

    public void AddRow(params string[] cells)
    {
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"A row needs {columns.Length} cells; got {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void WriteTo(TextWriter output, string indent)
    {
        var widths = columns
            .Select((column, i) => _rows.Select(row => row[i].Length).Append(column.Header.Length).Max())
            .ToArray();
        WriteLine(output, indent, widths, columns.Select(column => column.Header).ToArray());
        foreach (var row in _rows)
        {
            WriteLine(output, indent, widths, row);
        }
    }

    private void WriteLine(TextWriter output, string indent, int[] widths, string[] cells)
    {
        var padded = cells.Select((cell, i) => columns[i].AlignRight ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
        output.WriteLine(indent + string.Join(Gap, padded).TrimEnd());
    }
}
