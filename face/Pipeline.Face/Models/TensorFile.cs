using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Face.Models;

/// <summary>
/// Named tensors in one small binary file ("FTNS" v1: count, then name, dtype, shape, raw
/// little-endian data). Our own format, so checkpoints and models read back bit-exactly
/// with no pickle and no dependency on a framework's serialiser. Written to a temp file and
/// renamed, so a crash mid-write never leaves a torn file under the final name.
/// </summary>
public static class TensorFile
{
    private const uint Magic = 0x534E5446; // "FTNS"

    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var tmp = path + ".tmp";
        using (var w = new BinaryWriter(File.Create(tmp), Encoding.UTF8))
        {
            var list = tensors.ToList();
            w.Write(Magic); w.Write(1); w.Write(list.Count);
            foreach (var (name, t) in list)
            {
                using var cpu = t.detach().cpu().contiguous();
                w.Write(name);
                w.Write((int)cpu.dtype);
                w.Write((int)cpu.dim());
                foreach (var s in cpu.shape) w.Write(s);
                var bytes = cpu.bytes;
                w.Write(bytes.Length);
                w.Write(bytes);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    public static Dictionary<string, Tensor> Load(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        if (r.ReadUInt32() != Magic) throw new InvalidDataException($"{path}: not a tensor file");
        int version = r.ReadInt32();
        if (version != 1) throw new InvalidDataException($"{path}: tensor file version {version} is not supported");
        int count = r.ReadInt32();
        var result = new Dictionary<string, Tensor>(count);
        for (int i = 0; i < count; i++)
        {
            var name = r.ReadString();
            var dtype = (ScalarType)r.ReadInt32();
            var shape = new long[r.ReadInt32()];
            for (int d = 0; d < shape.Length; d++) shape[d] = r.ReadInt64();
            var data = r.ReadBytes(r.ReadInt32());
            var t = empty(shape, dtype);
            t.bytes = data;
            result[name] = t;
        }
        return result;
    }
}
