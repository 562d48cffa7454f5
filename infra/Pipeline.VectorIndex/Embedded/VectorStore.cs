namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// In-memory rows of one collection: unit vectors in fixed-size contiguous chunks (no 2 GB array,
/// no copy when growing), ids and payloads by row. Deleting moves the last row into the hole, so
/// rows stay dense and a scan never meets a tombstone. A quantised collection's store also keeps
/// the rows' 8-bit codes (<see cref="Codes"/>) in step. Not thread-safe: the collection locks.
/// </summary>
internal sealed class VectorStore
{
    public const int ChunkRows = 8192;

    private readonly List<float[]> _chunks = [];
    private readonly List<string> _ids = [];
    private readonly List<FacePayload> _payloads = [];
    private readonly Dictionary<string, int> _rowOf = new(StringComparer.Ordinal);

    public VectorStore(int dimension) => Dimension = dimension;

    public int Dimension { get; }
    public int Count => _ids.Count;

    /// <summary>The rows' 8-bit codes once <see cref="Quantize"/> has been called; null for an exact collection.</summary>
    public Int8Codes? Codes { get; private set; }

    /// <summary>Builds codes for every row (refitted to all rows) and keeps them up to date from now on.</summary>
    public void Quantize() => Codes = Int8Codes.Build(this);

    public string IdAt(int row) => _ids[row];
    public FacePayload PayloadAt(int row) => _payloads[row];

    public ReadOnlySpan<float> Row(int row) =>
        _chunks[row / ChunkRows].AsSpan(row % ChunkRows * Dimension, Dimension);

    /// <summary>Rows [first, first + count) as one span; the range must not cross a chunk boundary.</summary>
    public ReadOnlySpan<float> Rows(int first, int count) =>
        _chunks[first / ChunkRows].AsSpan(first % ChunkRows * Dimension, count * Dimension);

    /// <summary>Inserts or replaces; <paramref name="unitVector"/> must already be normalised. Returns true if it replaced.</summary>
    public bool Upsert(string id, ReadOnlySpan<float> unitVector, FacePayload payload)
    {
        if (_rowOf.TryGetValue(id, out var row))
        {
            unitVector.CopyTo(RowForWrite(row));
            _payloads[row] = payload;
            Codes?.Set(row, unitVector);
            return true;
        }
        row = _ids.Count;
        if (row / ChunkRows == _chunks.Count) _chunks.Add(new float[ChunkRows * Dimension]);
        unitVector.CopyTo(RowForWrite(row));
        _ids.Add(id);
        _payloads.Add(payload);
        _rowOf[id] = row;
        // Refit once the rows have doubled since the last fit, so the codes' range follows the data as it grows.
        if (Codes is not null && Count > 2 * Codes.FittedRows) Quantize();
        else Codes?.Set(row, unitVector);
        return false;
    }

    public bool Delete(string id)
    {
        if (!_rowOf.Remove(id, out var row)) return false;
        var last = _ids.Count - 1;
        if (row != last)
        {
            Row(last).CopyTo(RowForWrite(row));
            _ids[row] = _ids[last];
            _payloads[row] = _payloads[last];
            _rowOf[_ids[row]] = row;
        }
        _ids.RemoveAt(last);
        _payloads.RemoveAt(last);
        if (_ids.Count % ChunkRows == 0 && _chunks.Count > _ids.Count / ChunkRows) _chunks.RemoveAt(_chunks.Count - 1);
        Codes?.MoveLastInto(row, last);
        return true;
    }

    public bool Contains(string id) => _rowOf.ContainsKey(id);

    public bool TryGetRow(string id, out int row) => _rowOf.TryGetValue(id, out row);

    private Span<float> RowForWrite(int row) =>
        _chunks[row / ChunkRows].AsSpan(row % ChunkRows * Dimension, Dimension);
}
