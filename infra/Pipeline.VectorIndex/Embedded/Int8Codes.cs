namespace Pipeline.VectorIndex.Embedded;

/// <summary>
/// The 8-bit codes of a store's rows, row for row, in chunks of <see cref="VectorStore.ChunkRows"/> like the
/// rows themselves. Derived data: built from the float32 rows when a collection opens, kept in step by
/// the store's writes, never written to disk.
/// </summary>
internal sealed class Int8Codes
{
    private readonly List<byte[]> _chunks = [];

    private Int8Codes(ScalarQuantizer quantizer, int fittedRows)
    {
        Quantizer = quantizer;
        FittedRows = fittedRows;
    }

    public ScalarQuantizer Quantizer { get; }

    /// <summary>How many rows the quantiser was fitted on (the store refits once it has doubled).</summary>
    public int FittedRows { get; }

    public int Stride => Quantizer.Stride;

    public long Bytes => (long)_chunks.Count * VectorStore.ChunkRows * Stride;

    /// <summary>Fits a quantiser to every row of the store and encodes them all.</summary>
    public static Int8Codes Build(VectorStore store)
    {
        var codes = new Int8Codes(ScalarQuantizer.Fit(store), store.Count);
        var chunks = (store.Count + VectorStore.ChunkRows - 1) / VectorStore.ChunkRows;
        for (var c = 0; c < chunks; c++) codes._chunks.Add(new byte[VectorStore.ChunkRows * codes.Stride]);
        Parallel.For(0, chunks, chunk =>
        {
            var first = chunk * VectorStore.ChunkRows;
            for (var row = first; row < Math.Min(first + VectorStore.ChunkRows, store.Count); row++)
                codes.Quantizer.Encode(store.Row(row), codes.RowForWrite(row));
        });
        return codes;
    }

    /// <summary>Code rows [first, first + count) as one span; the range must not cross a chunk boundary.</summary>
    public ReadOnlySpan<byte> Rows(int first, int count) =>
        _chunks[first / VectorStore.ChunkRows].AsSpan(first % VectorStore.ChunkRows * Stride, count * Stride);

    /// <summary>Encodes <paramref name="unitRow"/> as row <paramref name="row"/>, at most one past the last.</summary>
    public void Set(int row, ReadOnlySpan<float> unitRow)
    {
        if (row / VectorStore.ChunkRows == _chunks.Count) _chunks.Add(new byte[VectorStore.ChunkRows * Stride]);
        Quantizer.Encode(unitRow, RowForWrite(row));
    }

    /// <summary>Mirrors the store's delete: the last row moves into the hole and the rows shrink to <paramref name="count"/>.</summary>
    public void MoveLastInto(int row, int count)
    {
        if (row != count) Rows(count, 1).CopyTo(RowForWrite(row));
        if (count % VectorStore.ChunkRows == 0 && _chunks.Count > count / VectorStore.ChunkRows) _chunks.RemoveAt(_chunks.Count - 1);
    }

    private Span<byte> RowForWrite(int row) =>
        _chunks[row / VectorStore.ChunkRows].AsSpan(row % VectorStore.ChunkRows * Stride, Stride);
}
