using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace OrderActors.Gateway.Tests;

/// <summary>Text PostgreSQL cannot hold (NUL, a lone surrogate) is refused with a 400 naming the field, on every route that takes text.</summary>
[Collection(GatewayCollection.Name)]
public sealed class BadTextTests(GatewayFixture fixture)
{
    private HttpClient Client => fixture.Client;

    public static TheoryData<string> Searches => new()
    {
        "/api/products?query=%00",
        "/api/products?query=a%00b",
        "/api/products?cursor=AAAA",
        $"/api/products?cursor={Cursor("SKU\0")}",
    };

    [Theory]
    [MemberData(nameof(Searches))]
    public async Task A_search_with_a_nul_in_its_query_or_cursor_is_a_400_naming_the_field(string path)
    {
        var problem = (await fixture.Anonymous().Get(path)).Problem(HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]![path.Contains("query") ? "query" : "cursor"]);
    }

    [Fact]
    public async Task A_customer_orders_cursor_that_decodes_to_a_nul_is_a_400()
    {
        var cursor = Cursor("2026-01-01T00:00:00.0000000Z|a\0b");

        var problem = (await Client.Get($"/api/customers/alice/orders?cursor={cursor}")).Problem(HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["cursor"]);
    }

    /// <remarks>Values are JSON escapes, sent as written: a serializer would refuse to write a lone surrogate.</remarks>
    [Theory]
    [InlineData("name", @"a\u0000b")]
    [InlineData("description", @"x\u0000")]
    [InlineData("name", @"lone \ud800 surrogate")]
    [InlineData("description", @"\udc00")]
    public async Task A_product_whose_name_or_description_cannot_be_stored_is_a_400_naming_the_field(string field, string escaped)
    {
        var sku = await Client.CreateProduct();
        var name = field == "name" ? escaped : "Renamed";
        var description = field == "description" ? escaped : "";
        var body = $$"""{"name":"{{name}}","description":"{{description}}","price":2,"currency":"USD"}""";

        var created = (await Client.Send(HttpMethod.Post, "/api/products", body.Replace("{", $$"""{"sku":"{{JsonApi.NewKey("sku")}}","stock":1,""")))
            .Problem(HttpStatusCode.BadRequest);
        var updated = (await Client.Send(HttpMethod.Put, $"/api/products/{sku}", body)).Problem(HttpStatusCode.BadRequest);

        Assert.True(NamesField(created, field), created.ToJsonString());
        Assert.True(NamesField(updated, field), updated.ToJsonString());
        Assert.Equal("Thing", (string?)(await Client.Get($"/api/products/{sku}")).Body!["name"]);
    }

    /// <summary>A NUL reaches the field rules; a lone surrogate is already refused by the JSON reader, which names its path.</summary>
    private static bool NamesField(JsonNode problem, string field) =>
        problem["errors"]?[field] is not null || ((string?)problem["detail"])?.Contains($"Path: $.{field} ") == true;

    private static string Cursor(string key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
