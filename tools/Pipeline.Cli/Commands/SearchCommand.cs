using System.CommandLine;
using System.Net.Http.Json;
using Pipeline.Artifacts;
using Pipeline.Contracts;
using Pipeline.Indexer;
using Pipeline.Infra.Resilience;
using Pipeline.ServiceDefaults;

namespace Pipeline.Cli.Commands;

public static class SearchCommand
{
    public static Command Create()
    {
        var image = new Option<string>("--image") { Description = "A face image (JPEG/PNG) to look up", Required = true };
        var top = new Option<int>("--top") { Description = "How many matches", DefaultValueFactory = _ => 5 };
        var identity = new Option<string?>("--identity") { Description = "Only matches of this identity" };
        var run = new Option<string?>("--run") { Description = "Search this run's model instead of the alias 'faces'" };
        var url = new Option<string?>("--url") { Description = "Ask a running Indexer's search API (e.g. http://127.0.0.1:5104) instead of the local index" };
        var json = CommonOptions.Json();
        var cmd = new Command("search", "Find the closest faces in the index (embedded index under ./.pipeline by default)");
        foreach (var o in new Option[] { image, top, identity, run, url, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => ConsoleOutput.Guard(async () =>
        {
            var bytes = await File.ReadAllBytesAsync(r.GetValue(image)!, ct);
            SearchResult result;
            if (r.GetValue(url) is string baseUrl)
            {
                using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
                using var form = new MultipartFormDataContent
                {
                    { new ByteArrayContent(bytes), "image", Path.GetFileName(r.GetValue(image)!) },
                    { new StringContent(r.GetValue(top).ToString()), "top" },
                };
                if (r.GetValue(identity) is string id) form.Add(new StringContent(id), "identity");
                if (r.GetValue(run) is string rn) form.Add(new StringContent(rn), "run");
                var resp = await http.PostAsync("/api/search", form, ct);
                if (!resp.IsSuccessStatusCode) throw new InvalidOperationException($"{baseUrl}/api/search: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync(ct)}");
                result = (await resp.Content.ReadFromJsonAsync<SearchResult>(PipelineJson.Options, ct))!;
            }
            else
            {
                var config = CliConfiguration.Load();
                var options = CliConfiguration.PipelineOptions();
                var settings = ServiceSettings.From(config);
                using var index = ServiceRegistration.CreateIndex(settings, new ResiliencePipelines(options.Resilience));
                var search = new FaceSearch(index, new ArtifactStore(CliConfiguration.BlobStore(options), settings.WorkRoot));
                try
                {
                    result = await search.SearchAsync(new SearchQuery(bytes, null, r.GetValue(top), r.GetValue(identity), null, r.GetValue(run)), ct);
                }
                catch (SearchInputException e) { throw new ArgumentException(e.Message); }
            }
            ConsoleOutput.Summary(r.GetValue(json), result,
                $"{result.Collection} (run {result.Run}):" + Environment.NewLine +
                string.Join(Environment.NewLine, result.Matches.Select((m, i) => $"  {i + 1,2}. {m.Identity,-16} {m.Score:F4}  {m.DatasetId}/{m.SamplePath}")));
            return 0;
        }));
        return cmd;
    }
}
