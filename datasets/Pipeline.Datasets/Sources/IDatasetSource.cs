namespace Pipeline.Datasets;

/// <summary>
/// A dataset as users drop it, read as a stream of entries without loading it into memory. Entries
/// come in the source's own order (sorted for folders and zips, archive order for tar and RecordIO);
/// the packer sorts. Enumerating twice reads the input twice.
/// </summary>
public interface IDatasetSource
{
    /// <summary>What this source reads, for messages ("faces.tar.gz", "train.rec").</summary>
    string Name { get; }

    IEnumerable<DatasetEntry> Entries(CancellationToken ct = default);
}
