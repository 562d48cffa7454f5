using System.Globalization;

namespace Pipeline.Datasets;

/// <summary>
/// An insightface RecordIO dataset (train.rec + train.idx, as MS1M / Glint360K / WebFace ship).
/// Identity = the record's class label as text; path = "&lt;label&gt;/&lt;key, 8 digits&gt;.&lt;jpg|png&gt;".
/// When record 0 is insightface's header (flag &gt; 0, label[0] = first identity-header key), only keys
/// 1 .. label[0]-1 are images; otherwise every record is. Without an .idx, records stream in file order.
/// </summary>
public sealed class RecordIoSource : IDatasetSource
{
    private readonly Func<Stream> _openRec;
    private readonly Func<TextReader>? _openIdx;
    private readonly long? _knownLength;
    private readonly SourceOptions _options;

    public RecordIoSource(string recPath, string? idxPath = null, SourceOptions? options = null)
    {
        idxPath ??= Path.ChangeExtension(recPath, ".idx");
        Name = Path.GetFileName(recPath);
        _knownLength = new FileInfo(recPath).Length;
        _openRec = () => new FileStream(recPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        _openIdx = File.Exists(idxPath) ? () => new StreamReader(idxPath) : null;
        _options = (options ?? SourceOptions.Default).Validated();
    }

    /// <param name="openRec">Must be seekable when <paramref name="openIdx"/> is given.</param>
    public RecordIoSource(Func<Stream> openRec, Func<TextReader>? openIdx, string name, SourceOptions? options = null)
    {
        Name = name;
        _openRec = openRec;
        _openIdx = openIdx;
        _options = (options ?? SourceOptions.Default).Validated();
    }

    public string Name { get; }

    public IEnumerable<DatasetEntry> Entries(CancellationToken ct = default)
    {
        using var stream = _openRec();
        long? length = _knownLength ?? (stream.CanSeek ? stream.Length : null);
        if (length > _options.MaxArchiveBytes)
        {
            yield return DatasetEntry.Rejected(Name, QuarantineReasons.ArchiveTooLarge, $"{length} bytes > limit {_options.MaxArchiveBytes}");
            yield break;
        }
        // Header and labels ride along with the image: allow them a little room above the entry limit.
        using var reader = new RecordIoReader(stream, leaveOpen: true, maxRecordBytes: _options.MaxEntryBytes + RecordSlackBytes);
        var records = _openIdx is null ? Sequential(reader) : Indexed(reader, _openIdx);
        long imageEnd = long.MaxValue;
        foreach (var (key, offset, body, error) in records)
        {
            ct.ThrowIfCancellationRequested();
            if (error is not null)
            {
                yield return DatasetEntry.Rejected($"{Name}@{offset}", error);
                continue;
            }
            if (key >= imageEnd) continue;
            ImageRecord? record = null;
            string? unpackError = null;
            try { record = RecordIoFormat.Unpack(body!); }
            catch (InvalidDataException e) { unpackError = e.Message; }
            if (record is null)
            {
                yield return DatasetEntry.Rejected($"{Name}#{key}", QuarantineReasons.Corrupt, unpackError ?? "unreadable record");
                continue;
            }
            if (offset == 0 && IsDatasetHeader(record))
            {
                imageEnd = (long)record.Labels[0];
                continue;
            }
            string identity = FormatLabel(record.ClassLabel);
            string path = $"{identity}/{key:D8}.{Extension(record.Payload.Span)}";
            if (record.Payload.Length > _options.MaxEntryBytes)
            {
                yield return DatasetEntry.Rejected(path, QuarantineReasons.EntryTooLarge, $"{record.Payload.Length} bytes > limit {_options.MaxEntryBytes}");
                continue;
            }
            yield return new DatasetEntry(path, identity, record.Payload);
        }
    }

    /// <summary>insightface's record 0: labels (first identity-header key, end key), no image.</summary>
    private static bool IsDatasetHeader(ImageRecord r) =>
        r.Header.Flag >= 2 && r.Payload.Length == 0 && r.Labels[0] >= 1 && r.Labels[1] >= r.Labels[0];

    public static string FormatLabel(float label) =>
        label == MathF.Round(label) && Math.Abs(label) < 1e9f
            ? ((long)label).ToString(CultureInfo.InvariantCulture)
            : label.ToString("R", CultureInfo.InvariantCulture);

    private static string Extension(ReadOnlySpan<byte> p) =>
        p.Length >= 3 && p[0] == 0xFF && p[1] == 0xD8 ? "jpg"
        : p.Length >= 4 && p[0] == 0x89 && p[1] == 0x50 && p[2] == 0x4E && p[3] == 0x47 ? "png"
        : "bin";

    private const long RecordSlackBytes = 1L << 20;

    /// <summary>A record's bytes, or the quarantine reason (code included) it could not be read for.</summary>
    private readonly record struct RawRecord(long Key, long Offset, byte[]? Body, string? Error);

    private static string Reason(Exception e) => e is RecordTooLargeException
        ? QuarantineReasons.Format(QuarantineReasons.EntryTooLarge, e.Message)
        : QuarantineReasons.Format(QuarantineReasons.CorruptArchive, e.Message);

    private static IEnumerable<RawRecord> Sequential(RecordIoReader reader)
    {
        for (long key = 0; ; key++)
        {
            long offset = reader.Position;
            byte[]? body;
            string? error = null;
            bool resumable = false;
            try { body = reader.ReadNext(); }
            catch (Exception e) when (e is InvalidDataException or RecordTooLargeException)
            {
                body = null;
                error = Reason(e);
                resumable = e is RecordTooLargeException;
            }
            if (error is not null)
            {
                yield return new RawRecord(key, offset, null, error);
                if (resumable) continue; // the reader stands after the skipped record
                yield break;
            }
            if (body is null) yield break;
            yield return new RawRecord(key, offset, body, null);
        }
    }

    private static IEnumerable<RawRecord> Indexed(RecordIoReader reader, Func<TextReader> openIdx)
    {
        using var idx = openIdx();
        foreach (var (key, offset) in RecordIoReader.ReadIndex(idx))
        {
            byte[]? body;
            string? error = null;
            try
            {
                if (offset < 0) throw new InvalidDataException($"offset {offset} is negative");
                body = reader.ReadAt(offset) ?? throw new InvalidDataException($"offset {offset} is past the end of the file");
            }
            catch (Exception e) when (e is InvalidDataException or IOException) { body = null; error = Reason(e); }
            yield return new RawRecord(key, offset, body, error);
        }
    }
}
