namespace Pipeline.Datasets;

/// <summary>
/// Read-only pass-through that counts the bytes read through it (to measure an archive's expansion), and can
/// refuse to pass a limit (so a reader that trusts a length field cannot pull more than that through it).
/// </summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long Count { get; private set; }

    /// <summary>Reading past this count throws InvalidDataException with <see cref="LimitReason"/>; null: no limit.</summary>
    public long? Limit { get; set; }

    public string LimitReason { get; set; } = "read past its limit";

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Limit is { } limit && buffer.Length > 0)
        {
            if (Count >= limit) throw new InvalidDataException(LimitReason);
            buffer = buffer[..(int)Math.Min(buffer.Length, limit - Count)];
        }
        int n = inner.Read(buffer);
        Count += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
