using System.Text.RegularExpressions;
using Pipeline.ServiceDefaults;

namespace Pipeline.Indexer.Tests;

public sealed class ApiKeyTests
{
    [Fact]
    public void Only_the_exact_key_matches()
    {
        Assert.True(ApiKeys.Matches("s3cret-ключ", "s3cret-ключ"));
        Assert.False(ApiKeys.Matches("s3cret-ключ", "s3cret-ключа"));
        Assert.False(ApiKeys.Matches("s3cret", "s3cret "));
        Assert.False(ApiKeys.Matches("", "s3cret"));
        Assert.False(ApiKeys.Matches("S3CRET", "s3cret"));
    }

    /// <summary>
    /// Timing is not asserted (no timed tests); instead no service compares a key itself: `==`, Equals or
    /// SequenceEqual on a key stops at the first differing character, which a caller can time.
    /// </summary>
    [Fact]
    public void Every_key_check_in_the_services_goes_through_the_constant_time_helper()
    {
        var services = Path.Combine(RepoPaths.Root, "services");
        var comparison = new Regex(@"(ApiKey\w*|Api-Key""\])\s*(==|!=)|(==|!=)\s*\w*\.?ApiKey\b|ApiKey\w*\s*\)?\.(Equals|SequenceEqual)\(");
        var offenders = Directory.EnumerateFiles(services, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => comparison.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(RepoPaths.Root, x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();

        Assert.True(offenders.Count == 0, "compare keys with ApiKeys.Authorized/Matches:\n" + string.Join("\n", offenders));
    }
}
