using System.Text.Json;
using Pipeline.Contracts;

namespace Pipeline.Cli;

/// <summary>
/// Human text goes to stderr, the machine-readable summary (--json) alone to stdout, so
/// `pipeline x --json | jq` always parses.
/// </summary>
public static class ConsoleOutput
{
    public static void Info(string line) => Console.Error.WriteLine(line);

    public static void Summary(bool json, object summary, string humanText)
    {
        if (json) Console.Out.WriteLine(JsonSerializer.Serialize(summary, summary.GetType(), PipelineJson.Options));
        else Console.Error.WriteLine(humanText);
    }

    /// <summary>
    /// Runs a verb body and turns failures into one clear line and exit code 1: expected ones (bad
    /// input, unreachable services) by their message; anything else too, with its type, and the
    /// stack trace when PIPELINE_DEBUG=1.
    /// </summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try { return await body(); }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException
                                      or UnauthorizedAccessException or HttpRequestException or TimeoutException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("PIPELINE_DEBUG") == "1") Console.Error.WriteLine(e);
            else Console.Error.WriteLine("(set PIPELINE_DEBUG=1 for the stack trace)");
            return 1;
        }
    }
}

/// <summary>A one-line progress bar on stderr; silent when stderr is redirected (logs stay clean).</summary>
public sealed class ProgressBar(string label)
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private DateTime _last = DateTime.MinValue;

    public void Report(double fraction, string detail)
    {
        if (!_interactive) return;
        var now = DateTime.UtcNow;
        if (fraction < 1 && (now - _last).TotalMilliseconds < 200) return;
        _last = now;
        int width = 30, filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:F1}% {detail}".PadRight(100));
        if (fraction >= 1) Console.Error.WriteLine();
    }

    public void Done() { if (_interactive) Console.Error.WriteLine(); }
}
