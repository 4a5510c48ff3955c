using System.Text;

namespace Concurrency.Strategies.Scenarios.Server;

/// <summary>What the server knows about a page: the scraper's answers must match it.</summary>
/// <param name="Id">The page number.</param>
/// <param name="Title">The text of its <c>&lt;title&gt;</c>.</param>
/// <param name="Links">How many <c>&lt;a href&gt;</c> links it holds.</param>
/// <param name="Words">How many words of visible text it holds (title, headings, paragraphs and link texts).</param>
public sealed record PageTruth(int Id, string Title, int Links, int Words);

/// <summary>
/// Generates the site's HTML pages, 5–20 KB each, deterministically from the page number, and counts their truth
/// while writing them (never by parsing them back, so the scraper's checks are independent of its parser).
/// </summary>
public static class SiteContent
{
    private static readonly string[] Vocabulary =
    [
        "thread", "process", "async", "await", "pool", "queue", "socket", "latency", "throughput", "core", "kernel",
        "channel", "worker", "batch", "image", "resize", "download", "scrape", "page", "server", "client", "retry",
        "timeout", "cancel", "memory", "garbage", "collector", "buffer", "pipe", "frame", "lambda", "closure",
        "parallel", "serial", "benchmark", "measure", "python", "dotnet", "runtime", "scheduler", "context", "switch",
    ];

    /// <summary>The page's HTML and its truth.</summary>
    /// <param name="id">The page number, zero or more.</param>
    /// <returns>The page and what it holds.</returns>
    public static (string Html, PageTruth Truth) Page(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        var random = new Random(unchecked((id * 7919) + 17));
        var words = 0;
        var html = new StringBuilder(24 * 1024);
        var titleWords = 3 + random.Next(4);
        var title = new StringBuilder($"Page {id.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        words += 2;
        for (var i = 0; i < titleWords; i++)
        {
            title.Append(' ').Append(Vocabulary[random.Next(Vocabulary.Length)]);
            words++;
        }

        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(title).Append("</title>\n</head>\n<body>\n<h1>").Append(title).Append("</h1>\n");
        words += 2 + titleWords;

        // 5–20 KB: pick a target size, then write paragraphs with a few links each until it is reached.
        var target = 5 * 1024 + random.Next(14 * 1024);
        var links = 0;
        while (html.Length < target)
        {
            html.Append("<p>");
            var count = 40 + random.Next(60);
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    html.Append(' ');
                }

                if (random.Next(25) == 0)
                {
                    var other = random.Next(100_000);
                    html.Append("<a href=\"/pages/").Append(other).Append("\">").Append(Vocabulary[random.Next(Vocabulary.Length)]).Append("</a>");
                    links++;
                }
                else
                {
                    html.Append(Vocabulary[random.Next(Vocabulary.Length)]);
                }

                words++;
            }

            html.Append("</p>\n");
        }

        html.Append("</body>\n</html>\n");
        return (html.ToString(), new PageTruth(id, title.ToString(), links, words));
    }
}
