using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Pipeline.Datasets;

/// <summary>
/// Shard files mapped read-only into memory: their pixel blocks are read straight from the page cache,
/// so a dataset may be larger than one array and larger than memory (pages the OS evicts are read
/// back when a batch needs them), and processes on one machine that map the same shard share it.
/// Disposing unmaps every shard.
/// </summary>
internal sealed class MappedShards : IDisposable
{
    private readonly List<MappedFile> _files = [];

    public IReadOnlyList<ReadOnlyMemory<byte>> Blocks => _files.Select(f => (ReadOnlyMemory<byte>)f.Memory).ToArray();

    /// <summary>
    /// Maps the <paramref name="pixelBytes"/> bytes at <paramref name="pixelOffset"/> of an open shard file. The
    /// mapping outlives the file's handle, so no descriptor stays open per shard.
    /// </summary>
    public void Add(FileStream file, long pixelOffset, long pixelBytes)
    {
        if (pixelBytes > int.MaxValue) throw new InvalidDataException($"{file.Name}: a shard's pixels must stay under 2 GB, this one holds {pixelBytes} bytes");
        _files.Add(new MappedFile(file, pixelOffset, (int)pixelBytes));
    }

    public void Dispose()
    {
        foreach (var f in _files) ((IDisposable)f).Dispose();
        _files.Clear();
    }

    private sealed unsafe class MappedFile : MemoryManager<byte>
    {
        private readonly MemoryMappedViewAccessor? _view;
        private readonly byte* _pointer;
        private readonly int _length;
        private bool _disposed;

        public MappedFile(FileStream file, long offset, int length)
        {
            _length = length;
            if (length == 0) return; // an empty shard maps nothing (a zero-length view means "to the end")
            if (file.Length < offset + length) throw new InvalidDataException($"{file.Name}: {file.Length} bytes, the header says pixels end at {offset + length}");
            using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            _view = map.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read);
            try
            {
                byte* p = null;
                _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
                _pointer = p + _view.PointerOffset;
            }
            catch
            {
                _view.Dispose();
                throw;
            }
        }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin() { }

        // No finalizer: unmapping from one could pull pages from under a span still in use. A set that is
        // never disposed keeps its shards mapped until the process ends.
        protected override void Dispose(bool disposing)
        {
            if (_view is null || _disposed) return;
            _disposed = true;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
    }
}
