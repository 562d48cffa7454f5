using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Cli;

/// <summary>NumPy .npy v1.0 of float32 rows, the format `pipeline embed` writes: magic, header dict padded to 64 bytes, raw little-endian float32.</summary>
public static partial class Npy
{
    public static void Write(string path, float[] data, int rows, int cols)
    {
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var w = new BinaryWriter(File.Create(path));
        w.Write((byte)0x93); w.Write(Encoding.ASCII.GetBytes("NUMPY")); w.Write((byte)1); w.Write((byte)0);
        w.Write((ushort)header.Length);
        w.Write(Encoding.ASCII.GetBytes(header));
        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        w.Write(bytes);
    }

    /// <summary>One row of a C-ordered little-endian float32 array of one or two dimensions.</summary>
    public static float[] ReadRow(string path, int row)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        var magic = r.ReadBytes(8);
        if (magic.Length < 8 || magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a NumPy .npy file");
        int headerLength = magic[6] == 1 ? r.ReadUInt16() : (int)r.ReadUInt32();
        var header = Encoding.ASCII.GetString(r.ReadBytes(headerLength));
        if (!header.Contains("'descr': '<f4'") || header.Contains("'fortran_order': True"))
            throw new InvalidDataException($"{path}: only C-ordered little-endian float32 arrays are read (header {header.Trim()})");
        var shape = Shape().Match(header);
        if (!shape.Success) throw new InvalidDataException($"{path}: no shape in the header {header.Trim()}");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        if (dims.Length is < 1 or > 2) throw new InvalidDataException($"{path}: a vector or a matrix of rows is expected, the shape is ({shape.Groups[1].Value})");
        long rows = dims.Length == 1 ? 1 : dims[0], cols = dims[^1];
        if (row < 0 || row >= rows) throw new ArgumentException($"{path}: row {row} is out of range (it has {rows} rows)");
        r.BaseStream.Seek(row * cols * 4, SeekOrigin.Current);
        var bytes = r.ReadBytes(checked((int)cols * 4));
        if (bytes.Length != cols * 4) throw new InvalidDataException($"{path}: truncated: row {row} ends past the end of the file");
        var result = new float[cols];
        Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
        return result;
    }

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex Shape();
}
