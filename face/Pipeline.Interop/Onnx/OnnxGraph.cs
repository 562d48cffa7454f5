using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static Onnx.AttributeProto.Types;

namespace Pipeline.Interop.Onnx;

/// <summary>
/// A graph being written node by node: weights become initializers, each node's output a fresh
/// name. Only what a feed-forward backbone needs (float tensors, int and float attributes).
/// </summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto _graph = new();
    private int _next;

    public OnnxGraph(string name) => _graph.Name = name;

    public GraphProto Proto => _graph;

    /// <summary>A float32 initializer from row-major values.</summary>
    public string Weight(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        t.Dims.AddRange(dims);
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds a node; returns its (single) output's name.</summary>
    public string Node(string op, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = $"{name}:{_next++}";
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Renames the value <paramref name="from"/> (the last node's output) to a graph output.</summary>
    public void Output(string from, string name, params object[] dims)
    {
        foreach (var n in _graph.Node)
            for (int i = 0; i < n.Output.Count; i++)
                if (n.Output[i] == from) n.Output[i] = name;
        _graph.Output.Add(Value(name, dims));
    }

    public void Input(string name, params object[] dims) => _graph.Input.Add(Value(name, dims));

    /// <summary>A float tensor value; a string dimension is symbolic (dynamic), a number fixed.</summary>
    private static ValueInfoProto Value(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeType.Float, F = value };
}
