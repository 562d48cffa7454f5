namespace Pipeline.VectorIndex.Embedded;

/// <summary>Fixed-size min-heap keeping the best <c>k</c> (score, row) pairs seen so far.</summary>
internal sealed class TopK
{
    private readonly float[] _scores;
    private readonly int[] _rows;

    public TopK(int k)
    {
        _scores = new float[k];
        _rows = new int[k];
    }

    public int Count { get; private set; }

    /// <summary>The score a candidate must beat to enter; -inf until the heap is full.</summary>
    public float Threshold => Count < _scores.Length ? float.NegativeInfinity : _scores[0];

    public void Add(float score, int row)
    {
        if (Count < _scores.Length)
        {
            var i = Count++;
            _scores[i] = score;
            _rows[i] = row;
            SiftUp(i);
        }
        else if (score > _scores[0])
        {
            _scores[0] = score;
            _rows[0] = row;
            SiftDown(0);
        }
    }

    public void MergeFrom(TopK other)
    {
        for (var i = 0; i < other.Count; i++) Add(other._scores[i], other._rows[i]);
    }

    /// <summary>The kept pairs, best first (ties by lower row, for determinism).</summary>
    public (float Score, int Row)[] Sorted()
    {
        var result = new (float Score, int Row)[Count];
        for (var i = 0; i < Count; i++) result[i] = (_scores[i], _rows[i]);
        Array.Sort(result, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Row.CompareTo(b.Row));
        return result;
    }

    public void Clear() => Count = 0;

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_scores[parent] <= _scores[i]) break;
            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var left = 2 * i + 1;
            if (left >= Count) break;
            var smallest = left + 1 < Count && _scores[left + 1] < _scores[left] ? left + 1 : left;
            if (_scores[i] <= _scores[smallest]) break;
            Swap(i, smallest);
            i = smallest;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
    }
}
