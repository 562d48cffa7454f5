namespace Pipeline.TestSupport;

/// <summary>The configuration of services hosted in a test: every file they keep under one temporary root, a free loopback port.</summary>
public static class HostSettings
{
    /// <summary>Blobs, ledger, work files and index under <paramref name="root"/>, then <paramref name="extra"/> (which may override them).</summary>
    public static Dictionary<string, string?> Under(string root, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:LocalRoot"] = Path.Combine(root, "blobs"),
            ["Pipeline:LedgerPath"] = Path.Combine(root, "ledger.db"),
            ["Pipeline:WorkRoot"] = Path.Combine(root, "work"),
            ["Pipeline:EmbeddedIndexPath"] = Path.Combine(root, "index"),
            ["urls"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }
}
