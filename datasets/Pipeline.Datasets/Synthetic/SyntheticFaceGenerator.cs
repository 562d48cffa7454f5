using System.Diagnostics;
using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>
/// Renders a noisy synthetic face set:
/// <c>train/&lt;identity&gt;/&lt;identity&gt;_&lt;nnnn&gt;.jpg</c> with exact fractions of closed-set, open-set
/// and junk noise; <c>holdout/&lt;identity&gt;/...</c> of unseen people with <c>holdout/pairs.txt</c>
/// (LFW format, 10 folds, identity-disjoint when there are 20+ holdout identities); and
/// <c>truth.csv</c>. Every image is a pure function of (seed, what it shows, its slot), so the same
/// options give the same bytes whatever the parallelism.
/// </summary>
public sealed class SyntheticFaceGenerator
{
    public const int Folds = 10;
    private const long TrainTraits = 1, HoldoutTraits = 2, OutsideTraits = 3, TrainShot = 10, HoldoutShot = 11, PlanStream = 20, PairStream = 21;

    private readonly SyntheticFaceOptions _o;

    public SyntheticFaceGenerator(SyntheticFaceOptions options)
    {
        options.Validate();
        _o = options;
    }

    public string TrainName(int i) => "id" + i.ToString(Width(_o.Identities));

    public string HoldoutName(int i) => "ho" + i.ToString(Width(_o.HoldoutIdentities));

    private static string Width(int count) => "D" + Math.Max(5, (count - 1).ToString().Length);

    public static string ImageName(string identity, int oneBased) => $"{identity}_{oneBased:D4}.jpg";

    /// <param name="progress">Fraction of images written, 0..1.</param>
    public SynthResult Generate(string outDir, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        PrepareOutput(outDir);
        var plan = PlanTrain();
        var jobs = new List<Job>(plan.Count + _o.HoldoutIdentities * _o.PerIdentity);
        foreach (var slot in plan)
            jobs.Add(new Job(Path.Combine("train", slot.Filed, ImageName(slot.Filed, slot.Index + 1)), () => RenderTrain(slot)));
        for (int h = 0; h < _o.HoldoutIdentities; h++)
            for (int j = 0; j < _o.PerIdentity; j++)
            {
                int hh = h, jj = j;
                jobs.Add(new Job(Path.Combine("holdout", HoldoutName(h), ImageName(HoldoutName(h), j + 1)),
                    () => RenderFace(Traits(HoldoutTraits, hh), SeededRandom.For(_o.Seed, HoldoutShot, hh, jj))));
            }
        foreach (var dir in jobs.Select(j => Path.GetDirectoryName(j.RelativePath)!).Distinct())
            Directory.CreateDirectory(Path.Combine(outDir, dir));

        int done = 0;
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _o.Parallelism), CancellationToken = ct }, i =>
        {
            File.WriteAllBytes(Path.Combine(outDir, jobs[i].RelativePath), jobs[i].Render());
            int n = Interlocked.Increment(ref done);
            if (n % 256 == 0) progress?.Report((double)n / jobs.Count);
        });

        string truthPath = Path.Combine(outDir, "truth.csv");
        var truth = new TruthTable(plan
            .Select(s => new TruthRow($"train/{s.Filed}/{ImageName(s.Filed, s.Index + 1)}", s.Filed, s.TrueLabel, s.Kind))
            .OrderBy(r => r.Path, StringComparer.Ordinal).ToList());
        using (var w = new StreamWriter(truthPath)) truth.Write(w);

        string? pairsPath = null;
        int perFold = 0;
        if (_o.HoldoutIdentities > 0)
        {
            var folds = PlanPairs();
            perFold = folds[0].Matched.Count;
            pairsPath = Path.Combine(outDir, "holdout", "pairs.txt");
            using var w = new StreamWriter(pairsPath);
            PairsFile.Write(w, folds);
        }
        progress?.Report(1);
        return new SynthResult(plan.Count, _o.HoldoutIdentities * _o.PerIdentity,
            plan.Count(s => s.Kind == NoiseKind.Clean), plan.Count(s => s.Kind == NoiseKind.Closed),
            plan.Count(s => s.Kind == NoiseKind.Open), plan.Count(s => s.Kind == NoiseKind.Junk),
            perFold, _o.HoldoutIdentities > 0 ? Folds : 0, clock.Elapsed, truthPath, pairsPath);
    }

    /// <summary>Exact noise counts, placed by one seeded shuffle of all train slots.</summary>
    public static (int Closed, int Open, int Junk) NoiseCounts(SyntheticFaceOptions o)
    {
        int total = o.Identities * o.PerIdentity;
        int Count(double f) => (int)Math.Round(f * total, MidpointRounding.AwayFromZero);
        return (Count(o.ClosedNoise), Count(o.OpenNoise), Count(o.Junk));
    }

    private sealed record Slot(string Filed, int FiledIndex, int Index, NoiseKind Kind, int Source, string TrueLabel);

    private sealed record Job(string RelativePath, Func<byte[]> Render);

    private List<Slot> PlanTrain()
    {
        int n = _o.Identities, m = _o.PerIdentity;
        var (closed, open, junk) = NoiseCounts(_o);
        var order = Enumerable.Range(0, n * m).ToArray();
        var rng = SeededRandom.For(_o.Seed, PlanStream);
        rng.Shuffle(order);
        var kinds = new NoiseKind[n * m];
        for (int k = 0; k < order.Length; k++)
            kinds[order[k]] = k < closed ? NoiseKind.Closed : k < closed + open ? NoiseKind.Open : k < closed + open + junk ? NoiseKind.Junk : NoiseKind.Clean;
        int outsidePool = Math.Max(16, n);
        var slots = new List<Slot>(n * m);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                var kind = kinds[i * m + j];
                string filed = TrainName(i);
                switch (kind)
                {
                    case NoiseKind.Closed:
                        int other = rng.Next(n - 1);
                        if (other >= i) other++;
                        slots.Add(new Slot(filed, i, j, kind, other, TrainName(other)));
                        break;
                    case NoiseKind.Open:
                        slots.Add(new Slot(filed, i, j, kind, rng.Next(outsidePool), TruthTable.Outside));
                        break;
                    case NoiseKind.Junk:
                        slots.Add(new Slot(filed, i, j, kind, -1, TruthTable.Junk));
                        break;
                    default:
                        slots.Add(new Slot(filed, i, j, kind, i, filed));
                        break;
                }
            }
        return slots;
    }

    private byte[] RenderTrain(Slot s)
    {
        var shot = SeededRandom.For(_o.Seed, TrainShot, s.FiledIndex, s.Index);
        return s.Kind switch
        {
            NoiseKind.Junk => RenderJunk(shot),
            NoiseKind.Open => RenderFace(Traits(OutsideTraits, s.Source), shot),
            _ => RenderFace(Traits(TrainTraits, s.Source), shot),
        };
    }

    private FaceTraits Traits(long stream, int identity) => FaceTraits.Sample(SeededRandom.For(_o.Seed, stream, identity));

    private byte[] RenderFace(FaceTraits traits, SeededRandom r)
    {
        float d = (float)_o.Difficulty;
        var shot = FaceShot.Sample(r, d);
        var look = PhotoLook.Sample(r, d);
        using var surface = NewSurface();
        var c = surface.Canvas;
        c.Save();
        c.Scale(_o.Size / 112f);
        DrawBackdrop(c, shot);
        c.Translate(56 + shot.Dx, 56 + shot.Dy);
        new FaceRenderer(c, traits, shot).Draw();
        c.Restore();
        look.DrawLighting(c, _o.Size);
        return look.Finish(surface, _o.Size, r);
    }

    private byte[] RenderJunk(SeededRandom r)
    {
        var look = PhotoLook.Sample(r, (float)_o.Difficulty);
        using var surface = NewSurface();
        var c = surface.Canvas;
        c.Save();
        c.Scale(_o.Size / 112f);
        JunkRenderer.Draw(c, r);
        c.Restore();
        look.DrawLighting(c, _o.Size);
        return look.Finish(surface, _o.Size, r);
    }

    private SKSurface NewSurface() =>
        SKSurface.Create(new SKImageInfo(_o.Size, _o.Size, SKColorType.Rgba8888, SKAlphaType.Premul))
        ?? throw new InvalidOperationException("could not create a drawing surface");

    internal static void DrawBackdrop(SKCanvas c, FaceShot s)
    {
        switch (s.Backdrop)
        {
            case Backdrop.Plain:
                c.Clear(s.Back0);
                break;
            case Backdrop.Gradient:
                using (var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(112, 112), [s.Back0, s.Back1], SKShaderTileMode.Clamp))
                using (var paint = new SKPaint { Shader = shader })
                    c.DrawRect(0, 0, 112, 112, paint);
                break;
            default:
                c.Clear(s.Back0);
                var r = new SeededRandom((ulong)s.ClutterSeed);
                using (var blur = new SKPaint { IsAntialias = true, MaskFilter = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, 2.5f) })
                    for (int i = 0; i < 8; i++)
                    {
                        blur.Color = new SKColor((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256));
                        if (r.Chance(0.5)) c.DrawRect(r.Uniform(-20, 110), r.Uniform(-20, 110), r.Uniform(10, 50), r.Uniform(10, 50), blur);
                        else c.DrawCircle(r.Uniform(0, 112), r.Uniform(0, 112), r.Uniform(5, 25), blur);
                    }
                break;
        }
    }

    /// <summary>10 folds; matched pairs inside one identity, mismatched across two, no pair twice.</summary>
    private List<PairsFold> PlanPairs()
    {
        int h = _o.HoldoutIdentities, m = _o.PerIdentity;
        var rng = SeededRandom.For(_o.Seed, PairStream);
        var ids = Enumerable.Range(0, h).ToArray();
        rng.Shuffle(ids);
        bool disjoint = h >= 2 * Folds;
        var members = Enumerable.Range(0, Folds)
            .Select(f => disjoint ? ids.Where((_, k) => k % Folds == f).ToArray() : ids)
            .ToArray();
        // Without disjoint folds every fold draws from one pool, and no pair may repeat across folds.
        int share = disjoint ? 1 : Folds;
        long maxMatched = members.Min(f => (long)f.Length * m * (m - 1) / 2) / share;
        long maxMismatched = members.Min(f => (long)f.Length * (f.Length - 1) / 2 * m * m) / share;
        int n = (int)Math.Min(_o.PairsPerFold, Math.Min(maxMatched, maxMismatched));
        var folds = new List<PairsFold>(Folds);
        var used = new HashSet<(int, int, int, int)>();
        foreach (var fold in members)
        {
            var matched = new List<MatchedPair>(n);
            while (matched.Count < n)
            {
                int id = fold[rng.Next(fold.Length)], a = rng.Next(m), b = rng.Next(m);
                if (a == b || !used.Add((id, Math.Min(a, b), id, Math.Max(a, b)))) continue;
                matched.Add(new MatchedPair(HoldoutName(id), Math.Min(a, b) + 1, Math.Max(a, b) + 1));
            }
            var mismatched = new List<MismatchedPair>(n);
            while (mismatched.Count < n)
            {
                int x = fold[rng.Next(fold.Length)], y = fold[rng.Next(fold.Length)], a = rng.Next(m), b = rng.Next(m);
                if (x == y) continue;
                if (x > y) (x, y, a, b) = (y, x, b, a);
                if (!used.Add((x, a, y, b))) continue;
                mismatched.Add(new MismatchedPair(HoldoutName(x), a + 1, HoldoutName(y), b + 1));
            }
            folds.Add(new PairsFold(matched, mismatched));
        }
        return folds;
    }

    private void PrepareOutput(string outDir)
    {
        var existing = new[] { "train", "holdout" }.Select(d => Path.Combine(outDir, d)).Where(Directory.Exists).ToList();
        string truth = Path.Combine(outDir, "truth.csv");
        if (existing.Count > 0 || File.Exists(truth))
        {
            if (!_o.Overwrite) throw new IOException($"{outDir}: already holds a synthetic set (train/, holdout/ or truth.csv); overwrite it explicitly");
            foreach (var d in existing) Directory.Delete(d, recursive: true);
            File.Delete(truth);
        }
        Directory.CreateDirectory(outDir);
    }
}
