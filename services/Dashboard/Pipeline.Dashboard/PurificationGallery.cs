using Pipeline.Face.Purification;

namespace Pipeline.Dashboard;

/// <summary>
/// A run's purification report as pages of faces: filtered by decision, identity, reason and score range, sorted by
/// score, with each identity's drop rate and its most typical kept faces (the lowest scores). Built once per report
/// and kept (<see cref="RunReports"/>), so a page of a million-sample report costs one pass over an array, not a read.
/// </summary>
public sealed class PurificationGallery
{
    public const int TypicalFaces = 3;
    public const int MaxLimit = 200;

    private readonly Face[] _byScore;
    private readonly Dictionary<string, IdentityRates> _identities;
    private readonly Dictionary<string, string[]> _typical;

    public PurificationGallery(string datasetId, string runId, PurificationReport report)
    {
        (DatasetId, RunId) = (datasetId, runId);
        Summary = new GallerySummary(report.Rule, report.Score, report.Threshold, report.Kept, report.Dropped,
            report.Whitening is not null, report.Warning);
        _byScore = report.Samples.Select(Face.Of).OrderBy(f => f.Score).ThenBy(f => f.Path, StringComparer.Ordinal).ToArray();
        _identities = _byScore.GroupBy(f => f.Identity, StringComparer.Ordinal).ToDictionary(g => g.Key, g =>
        {
            int dropped = g.Count(f => !f.Kept), n = g.Count();
            return new IdentityRates(g.Key, n - dropped, dropped, Math.Round((double)dropped / n, 6));
        }, StringComparer.Ordinal);
        // Ascending score: the first kept faces of an identity are its most typical.
        _typical = _byScore.Where(f => f.Kept).GroupBy(f => f.Identity, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Take(TypicalFaces).Select(f => f.Path).ToArray(), StringComparer.Ordinal);
    }

    public string DatasetId { get; }
    public string RunId { get; }
    public GallerySummary Summary { get; }

    /// <summary>What is wrong with the query, or null.</summary>
    public static string? Validate(GalleryQuery q) =>
        q.Decision is not (null or "" or "all" or PurificationReport.KeepDecision or PurificationReport.DropDecision)
            ? $"decision = '{q.Decision}': expected keep, drop or all"
        : q.Sort is not (null or "" or "score" or "-score") ? $"sort = '{q.Sort}': expected score or -score"
        : Paging(q.Offset, q.Limit);

    /// <summary>What is wrong with a page's offset and limit, or null: every paged gallery endpoint's check.</summary>
    public static string? Paging(int offset, int limit) =>
        offset < 0 ? $"offset = {offset}: expected 0 or more" : limit is < 1 or > MaxLimit ? $"limit = {limit}: expected 1..{MaxLimit}" : null;

    public GalleryPage Page(GalleryQuery q)
    {
        var matching = (q.Sort == "score" ? _byScore : Enumerable.Reverse(_byScore))
            .Where(f => Is(f, q.Decision) && (string.IsNullOrEmpty(q.Identity) || f.Identity == q.Identity)
                && (q.MinScore is not { } lo || f.Score >= lo) && (q.MaxScore is not { } hi || f.Score < hi));
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        int total = 0;
        var items = new List<GalleryFace>(q.Limit);
        foreach (var f in matching)
        {
            reasons[f.Reason] = reasons.GetValueOrDefault(f.Reason) + 1;
            if (!string.IsNullOrEmpty(q.Reason) && f.Reason != q.Reason) continue;
            if (total >= q.Offset && items.Count < q.Limit)
                items.Add(new GalleryFace(f.Path, f.Identity, f.Kept ? PurificationReport.KeepDecision : PurificationReport.DropDecision,
                    f.Reason, f.Detail, f.Score, _identities[f.Identity].DropRate, _typical.GetValueOrDefault(f.Identity, [])));
            total++;
        }
        return new GalleryPage(DatasetId, RunId, Summary, total, q.Offset, q.Limit,
            reasons.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => new ReasonCount(r.Key, r.Value)).ToList(), items);
    }

    /// <summary>Identities, those that lost the largest share first (or by name), a page at a time.</summary>
    public IdentityPage Identities(int offset, int limit, string? sort)
    {
        var all = sort == "identity"
            ? _identities.Values.OrderBy(i => i.Identity, StringComparer.Ordinal)
            : _identities.Values.OrderByDescending(i => i.DropRate).ThenByDescending(i => i.Dropped).ThenBy(i => i.Identity, StringComparer.Ordinal);
        return new IdentityPage(_identities.Count, offset, limit, all.Skip(offset).Take(limit).ToList());
    }

    private static bool Is(Face f, string? decision) => decision switch
    {
        PurificationReport.KeepDecision => f.Kept,
        null or "" or PurificationReport.DropDecision => !f.Kept,
        _ => true,
    };

    /// <summary>One decision as the gallery files it; the only place that reads the report's sample fields.</summary>
    private sealed record Face(string Path, string Identity, bool Kept, string Reason, string Detail, double Score)
    {
        public static Face Of(SampleDecision s) => new(s.Path, s.Identity, s.Keep, ReasonOf(s), s.Reason, s.Score);
    }

    /// <summary>
    /// The report's reason is a sentence with the sample's own numbers; the gallery groups by what kind of decision it
    /// was: kept, dropped while nearest a non-dominant sub-center (the paper's noisy mode), or dropped past the threshold.
    /// </summary>
    public static string ReasonOf(SampleDecision s) =>
        s.Keep ? Reasons.Kept : s.Subcenter != s.DominantSubcenter ? Reasons.NonDominantSubcenter : Reasons.OverThreshold;

    public static class Reasons
    {
        public const string Kept = "kept";
        public const string NonDominantSubcenter = "non-dominant-subcenter";
        public const string OverThreshold = "over-threshold";
    }
}

/// <summary>A gallery request: decision keep, drop (default) or all; exact identity; reason; score range [min, max); sort score or -score (default, worst first).</summary>
public sealed record GalleryQuery(string? Decision = null, string? Identity = null, string? Reason = null, double? MinScore = null,
    double? MaxScore = null, string? Sort = null, int Offset = 0, int Limit = 48);

public sealed record GallerySummary(string Rule, string Score, double Threshold, int Kept, int Dropped, bool Whitened, string? Warning);

/// <summary>One face: its path (thumbnail at /api/datasets/{datasetId}/samples/{path}), the identity it was filed under, the decision and why.</summary>
public sealed record GalleryFace(string Path, string Identity, string Decision, string Reason, string Detail, double Score,
    double IdentityDropRate, IReadOnlyList<string> Typical);

public sealed record ReasonCount(string Reason, int Count);

/// <summary>
/// A page of faces; <see cref="Total"/> counts every match of the filters, and <see cref="Reasons"/> counts them per
/// reason before the reason filter, so the filter's choices keep their counts.
/// </summary>
public sealed record GalleryPage(string DatasetId, string RunId, GallerySummary Summary, int Total, int Offset, int Limit,
    IReadOnlyList<ReasonCount> Reasons, IReadOnlyList<GalleryFace> Items);

public sealed record IdentityRates(string Identity, int Kept, int Dropped, double DropRate);

public sealed record IdentityPage(int Total, int Offset, int Limit, IReadOnlyList<IdentityRates> Items);
