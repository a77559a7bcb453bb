using AspireShop.Catalog.API.Domain;
using Bogus;

namespace AspireShop.Catalog.API.Data;

/// <summary><c>Catalog:Seed</c>: the size and seed of the demo catalog.</summary>
public sealed class SeedOptions
{
    public const string Section = "Catalog:Seed";

    public int Products { get; set; } = 10_000;

    public int Sellers { get; set; } = 50;

    public int Seed { get; set; } = 20_250_601;
}

/// <summary>
/// The demo catalog, generated from a fixed seed: the same options give the same sellers, products, SKUs and offers
/// (ids included) on every machine, so demos, benchmarks and Search's tests can name products.
/// </summary>
public static class CatalogSeedData
{
    private static readonly DateTimeOffset Epoch = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<Product> Generate(SeedOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Products, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Sellers, 3);

        // A Faker of our own with its own Randomizer: Bogus' global seed would make other users of Bogus non-deterministic.
        var faker = new Faker("en") { Random = new Randomizer(options.Seed) };
        var sellers = Enumerable.Range(0, options.Sellers).Select(_ => faker.Random.Guid()).ToArray();
        var brands = CreateBrands(faker);

        var products = new List<Product>(options.Products);
        for (var i = 0; i < options.Products; i++)
        {
            var category = faker.PickRandom(Categories);
            var brand = faker.PickRandom(brands[category.Name]);
            var created = Epoch.AddSeconds(-faker.Random.Int(0, 365 * 24 * 3600));
            var product = new Product
            {
                Id = faker.Random.Guid(),
                SellerId = faker.PickRandom(sellers),
                Title = $"{brand} {faker.Commerce.ProductAdjective()} {faker.PickRandom(category.Nouns)}",
                Description = $"{faker.Commerce.ProductDescription()} {faker.Lorem.Sentence(8)}",
                Brand = brand,
                Category = category.Name,
                Attributes = category.Details.ToDictionary(d => d.Name, d => faker.PickRandom(d.Values)),
                CreatedAt = created,
                UpdatedAt = created,
            };
            product.Images = Enumerable.Range(1, faker.Random.Int(1, 3))
                .Select(n => $"https://images.aspireshop.example/products/{product.Id:N}/{n}.jpg")
                .ToList();

            var basePrice = Math.Round(faker.Random.Decimal(category.MinPrice, category.MaxPrice), 0);
            var variants = faker.Random.Shuffle(Combinations(category.Variants)).Take(faker.Random.Int(1, 4)).ToList();
            for (var v = 0; v < variants.Count; v++)
            {
                var sku = new Sku
                {
                    Id = faker.Random.Guid(),
                    ProductId = product.Id,
                    Code = $"{category.Code}-{i + 1:D6}-{v + 1}",
                    Attributes = variants[v],
                };
                // The owner sells every variant; up to two other sellers compete on some.
                var offerSellers = new[] { product.SellerId }
                    .Concat(faker.Random.Shuffle(sellers.Where(s => s != product.SellerId)).Take(faker.Random.Int(0, 2)));
                foreach (var seller in offerSellers)
                {
                    var price = basePrice * (1 + (0.05m * v)) * faker.Random.Decimal(0.9m, 1.1m);
                    sku.Offers.Add(new Offer
                    {
                        SkuId = sku.Id,
                        SellerId = seller,
                        Price = Math.Max(1, Math.Floor(price)) + 0.99m,
                        Currency = Offer.DefaultCurrency,
                        UpdatedAt = created,
                    });
                }

                product.Skus.Add(sku);
            }

            products.Add(product);
        }

        return products;
    }

    private static Dictionary<string, string[]> CreateBrands(Faker faker)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var suffixes = new[] { "Labs", "Works", "& Co", "Studio", "Goods", "Craft", "Supply", "Collective" };
        return Categories.ToDictionary(
            c => c.Name,
            _ => Enumerable.Range(0, 3).Select(_ =>
            {
                string brand;
                do
                {
                    brand = $"{faker.Name.LastName()} {faker.PickRandom(suffixes)}";
                }
                while (!used.Add(brand));
                return brand;
            }).ToArray());
    }

    private static List<Dictionary<string, string>> Combinations(IReadOnlyList<Dimension> dimensions)
    {
        var combinations = new List<Dictionary<string, string>> { new() };
        foreach (var dimension in dimensions)
        {
            combinations = combinations
                .SelectMany(partial => dimension.Values.Select(value => new Dictionary<string, string>(partial) { [dimension.Name] = value }))
                .ToList();
        }

        return combinations;
    }

    private sealed record Dimension(string Name, params string[] Values);

    private sealed record Category(string Name, string Code, string[] Nouns, Dimension[] Variants, Dimension[] Details, decimal MinPrice, decimal MaxPrice);

    private static readonly string[] Colors = ["black", "white", "navy", "red", "green", "grey", "blue"];

    // 20 categories x 3 brands = 60 brands; variant attributes fit the category (apparel: color/size, phones: storage/color, ...).
    private static readonly Category[] Categories =
    [
        new("Apparel", "APP", ["T-Shirt", "Hoodie", "Jacket", "Jeans", "Dress", "Sweater", "Shorts"],
            [new("color", Colors), new("size", "XS", "S", "M", "L", "XL")],
            [new("material", "cotton", "linen", "wool", "polyester", "denim"), new("fit", "slim", "regular", "relaxed")], 12, 180),
        new("Shoes", "SHO", ["Sneakers", "Boots", "Sandals", "Loafers", "Running Shoes"],
            [new("color", "black", "white", "brown", "blue", "grey"), new("size", "38", "39", "40", "41", "42", "43", "44", "45", "46")],
            [new("material", "leather", "suede", "mesh", "canvas")], 30, 250),
        new("Smartphones", "PHN", ["Phone", "Smartphone", "Phone Pro", "Phone Mini"],
            [new("storage", "64 GB", "128 GB", "256 GB", "512 GB"), new("color", "black", "silver", "blue", "gold")],
            [new("screen", "5.8 in", "6.1 in", "6.7 in"), new("network", "4G", "5G")], 150, 1400),
        new("Laptops", "LAP", ["Laptop", "Notebook", "Ultrabook", "Gaming Laptop"],
            [new("memory", "8 GB", "16 GB", "32 GB"), new("storage", "256 GB", "512 GB", "1 TB")],
            [new("screen", "13.3 in", "14 in", "15.6 in", "16 in"), new("os", "Windows", "Linux", "ChromeOS")], 400, 3000),
        new("Audio", "AUD", ["Headphones", "Earbuds", "Speaker", "Soundbar"],
            [new("color", "black", "white", "silver", "blue")],
            [new("connectivity", "bluetooth", "wired"), new("noise_cancelling", "yes", "no")], 20, 500),
        new("Televisions", "TVS", ["TV", "Smart TV", "OLED TV"],
            [new("screen_size", "43 in", "50 in", "55 in", "65 in", "75 in")],
            [new("resolution", "Full HD", "4K", "8K"), new("panel", "LED", "QLED", "OLED")], 250, 3500),
        new("Cameras", "CAM", ["Camera", "Mirrorless Camera", "Action Camera"],
            [new("color", "black", "silver"), new("kit", "body only", "18-55 mm lens", "24-105 mm lens")],
            [new("sensor", "full frame", "APS-C", "1 inch"), new("megapixels", "24", "33", "45")], 200, 4000),
        new("Home & Kitchen", "KIT", ["Blender", "Coffee Maker", "Toaster", "Kettle", "Cookware Set"],
            [new("color", "black", "white", "red", "stainless")],
            [new("power", "800 W", "1000 W", "1500 W"), new("warranty", "1 year", "2 years")], 15, 400),
        new("Furniture", "FUR", ["Chair", "Desk", "Sofa", "Bookshelf", "Bed Frame"],
            [new("finish", "oak", "walnut", "white", "black")],
            [new("assembly", "required", "not required"), new("style", "modern", "classic", "industrial")], 40, 1500),
        new("Books", "BOK", ["Novel", "Cookbook", "Biography", "Guide"],
            [new("format", "hardcover", "paperback", "ebook", "audiobook")],
            [new("language", "English", "Spanish", "French", "German"), new("pages", "180", "320", "512")], 5, 60),
        new("Toys", "TOY", ["Building Set", "Puzzle", "Doll", "RC Car", "Board Game"],
            [new("edition", "standard", "deluxe", "collector")],
            [new("age", "3+", "6+", "8+", "12+")], 8, 150),
        new("Sports", "SPO", ["Yoga Mat", "Dumbbell Set", "Tennis Racket", "Bike Helmet", "Running Jacket"],
            [new("size", "S", "M", "L"), new("color", Colors)],
            [new("activity", "running", "yoga", "cycling", "tennis", "fitness")], 10, 300),
        new("Beauty", "BEA", ["Face Cream", "Shampoo", "Perfume", "Lipstick", "Serum"],
            [new("volume", "30 ml", "50 ml", "100 ml", "200 ml")],
            [new("skin_type", "all", "dry", "oily", "sensitive")], 5, 150),
        new("Grocery", "GRO", ["Coffee Beans", "Green Tea", "Olive Oil", "Dark Chocolate", "Pasta"],
            [new("weight", "250 g", "500 g", "1 kg")],
            [new("origin", "Italy", "Colombia", "Japan", "Spain", "Belgium"), new("organic", "yes", "no")], 2, 50),
        new("Jewelry", "JEW", ["Ring", "Necklace", "Bracelet", "Earrings"],
            [new("metal", "silver", "gold", "rose gold", "platinum"), new("size", "6", "7", "8", "9")],
            [new("gemstone", "none", "diamond", "sapphire", "emerald")], 30, 2500),
        new("Garden", "GAR", ["Garden Hose", "Planter", "Lawn Mower", "Pruning Shears", "Grill"],
            [new("size", "small", "medium", "large")],
            [new("material", "plastic", "steel", "ceramic")], 10, 800),
        new("Automotive", "AUT", ["Car Charger", "Dash Cam", "Floor Mats", "Tire Inflator", "Seat Cover"],
            [new("color", "black", "grey", "beige")],
            [new("fitment", "universal", "sedan", "SUV")], 10, 300),
        new("Pet Supplies", "PET", ["Dog Food", "Cat Tree", "Pet Bed", "Leash", "Aquarium Filter"],
            [new("size", "S", "M", "L"), new("flavor", "chicken", "salmon", "beef", "none")],
            [new("pet", "dog", "cat", "fish", "bird")], 5, 200),
        new("Video Games", "GAM", ["Game", "Controller", "Headset"],
            [new("platform", "PlayStation", "Xbox", "Switch", "PC"), new("edition", "standard", "deluxe")],
            [new("genre", "action", "racing", "puzzle", "sports", "RPG"), new("rating", "E", "T", "M")], 10, 90),
        new("Watches", "WAT", ["Watch", "Smartwatch", "Chronograph", "Dive Watch"],
            [new("strap", "leather", "steel", "rubber", "nylon"), new("case_size", "38 mm", "42 mm", "44 mm")],
            [new("movement", "quartz", "automatic", "digital"), new("water_resistance", "50 m", "100 m", "200 m")], 40, 2000),
    ];
}
