using System.Security.Claims;
using AspireShop.Catalog.API.Data;
using AspireShop.Catalog.API.Domain;
using AspireShop.Catalog.API.Identity;
using AspireShop.Catalog.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireShop.Catalog.API.Apis;

/// <summary>Products: public listing and product page; sellers create, owners (or admins) change and delete.</summary>
public static class ProductsApi
{
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/catalog").WithTags("Catalog").RequireAuthorization();

        api.MapGet("/products", ListProductsAsync).AllowAnonymous().WithName("ListProducts");
        api.MapGet("/products/{id:guid}", GetProductAsync).AllowAnonymous().WithName("GetProduct");
        api.MapPost("/products", CreateProductAsync).RequireAuthorization(AspireShopPolicies.Seller).WithName("CreateProduct");
        api.MapPut("/products/{id:guid}", UpdateProductAsync).WithName("UpdateProduct");
        api.MapDelete("/products/{id:guid}", DeleteProductAsync).WithName("DeleteProduct");
        return app;
    }

    public static async Task<Results<Ok<ProductList>, ValidationProblem>> ListProductsAsync(
        [AsParameters] ProductQuery query, CatalogContext context, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var (page, pageSize) = validation.Paging(query.Page, query.PageSize);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var products = context.Products.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Category))
        {
            products = products.Where(p => p.Category == query.Category);
        }

        if (!string.IsNullOrWhiteSpace(query.Brand))
        {
            products = products.Where(p => p.Brand == query.Brand);
        }

        if (query.SellerId is { } sellerId)
        {
            products = products.Where(p => p.SellerId == sellerId);
        }

        var total = await products.CountAsync(cancellationToken);
        var items = await products
            .OrderByDescending(p => p.CreatedAt).ThenBy(p => p.Id)
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .Select(p => new { p.Id, p.SellerId, p.Title, p.Brand, p.Category, p.Images, p.UpdatedAt })
            .ToListAsync(cancellationToken);

        // The page's offers in a second, index-driven query: a window over every offer in one query costs far more.
        var ids = items.Select(p => p.Id).ToList();
        var offers = await context.Skus
            .Where(s => ids.Contains(s.ProductId))
            .SelectMany(s => s.Offers.Select(o => new { s.ProductId, o.Price, o.Currency }))
            .ToListAsync(cancellationToken);
        var cheapest = offers.GroupBy(o => o.ProductId).ToDictionary(g => g.Key, g => g.MinBy(o => o.Price)!);

        return TypedResults.Ok(new ProductList(
            total,
            page,
            pageSize,
            items.Select(p => new ProductSummary(
                p.Id,
                p.SellerId,
                p.Title,
                p.Brand,
                p.Category,
                p.Images.FirstOrDefault(),
                cheapest.GetValueOrDefault(p.Id)?.Price,
                cheapest.GetValueOrDefault(p.Id)?.Currency,
                p.UpdatedAt)).ToList()));
    }

    public static async Task<Results<Ok<ProductPage>, NotFound>> GetProductAsync(
        Guid id, ProductDocuments documents, AvailabilityReader availability, CancellationToken cancellationToken)
    {
        var product = await documents.GetAsync(id, cancellationToken);
        if (product is null)
        {
            return TypedResults.NotFound();
        }

        var levels = await availability.ReadAsync(ProductPage.OffersOf(product), cancellationToken);
        return TypedResults.Ok(ProductPage.From(product, levels));
    }

    public static async Task<Results<Created<ProductDocument>, ValidationProblem>> CreateProductAsync(
        CreateProductRequest request,
        ClaimsPrincipal user,
        CatalogContext context,
        ProductDocuments documents,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var fields = ProductFields.Validate(validation, request.Title, request.Description, request.Brand, request.Category, request.Images, request.Attributes);
        var variants = request.Variants ?? [];
        if (request.Variants is null || variants.Count == 0)
        {
            validation.Add("variants", "must have at least one variant.");
        }
        else if (variants.Count > RequestValidation.MaxVariants)
        {
            validation.Add("variants", $"must have at most {RequestValidation.MaxVariants} entries.");
        }

        var skus = new List<(string Code, Dictionary<string, string> Attributes, decimal? Price, string Currency)>();
        for (var i = 0; i < variants.Count; i++)
        {
            var variant = variants[i];
            if (variant is null)
            {
                validation.Add($"variants[{i}]", "must be an object.");
                continue;
            }

            var code = validation.Code($"variants[{i}].code", variant.Code);
            var attributes = validation.Attributes($"variants[{i}].attributes", variant.Attributes);
            var price = variant.Price is null ? (decimal?)null : validation.Price($"variants[{i}].price", variant.Price);
            var currency = validation.Currency($"variants[{i}].currency", variant.Currency);
            skus.Add((code, attributes, price, currency));
        }

        ReportDuplicateCodes(validation, skus.Select(s => s.Code).ToList());
        if (validation.IsValid)
        {
            await ReportCodesInUseAsync(validation, context, skus.Select(s => s.Code).ToList(), productId: null, cancellationToken);
        }

        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var sellerId = user.GetSellerId() ?? throw new InvalidOperationException("The seller policy guarantees a seller_id claim.");
        var now = clock.GetUtcNow();
        var product = new Product
        {
            Id = Guid.CreateVersion7(),
            SellerId = sellerId,
            Title = fields.Title,
            Description = fields.Description,
            Brand = fields.Brand,
            Category = fields.Category,
            Images = fields.Images,
            Attributes = fields.Attributes,
            CreatedAt = now,
            UpdatedAt = now,
        };
        foreach (var (code, attributes, price, currency) in skus)
        {
            var sku = new Sku { Id = Guid.CreateVersion7(), ProductId = product.Id, Code = code, Attributes = attributes };
            if (price is { } amount)
            {
                sku.Offers.Add(new Offer { SkuId = sku.Id, SellerId = sellerId, Price = amount, Currency = currency, UpdatedAt = now });
            }

            product.Skus.Add(sku);
        }

        context.Products.Add(product);
        if (!await TrySaveAsync(context, validation, cancellationToken))
        {
            return validation.ToProblem();
        }

        await documents.InvalidateAsync(product.Id, cancellationToken);
        return TypedResults.Created($"/api/catalog/products/{product.Id}", ProductDocument.From(product));
    }

    public static async Task<Results<Ok<ProductDocument>, ValidationProblem, NotFound, ForbidHttpResult>> UpdateProductAsync(
        Guid id,
        UpdateProductRequest request,
        ClaimsPrincipal user,
        CatalogContext context,
        ProductDocuments documents,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var product = await context.Products.Include(p => p.Skus).ThenInclude(s => s.Offers).AsSplitQuery()
            .FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (product is null)
        {
            return TypedResults.NotFound();
        }

        if (!user.CanManage(product))
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var fields = ProductFields.Validate(validation, request.Title, request.Description, request.Brand, request.Category, request.Images, request.Attributes);
        var variants = request.Variants ?? [];
        if (variants.Count > RequestValidation.MaxVariants)
        {
            validation.Add("variants", $"must have at most {RequestValidation.MaxVariants} entries.");
        }

        var changes = new List<(string Code, Dictionary<string, string> Attributes)>();
        for (var i = 0; i < variants.Count; i++)
        {
            if (variants[i] is not { } variant)
            {
                validation.Add($"variants[{i}]", "must be an object.");
                continue;
            }

            changes.Add((validation.Code($"variants[{i}].code", variant.Code), validation.Attributes($"variants[{i}].attributes", variant.Attributes)));
        }

        ReportDuplicateCodes(validation, changes.Select(c => c.Code).ToList());
        var newCodes = changes.Select(c => c.Code).Where(code => product.Skus.All(s => s.Code != code)).ToList();
        if (validation.IsValid && newCodes.Count > 0)
        {
            await ReportCodesInUseAsync(validation, context, changes.Select(c => c.Code).ToList(), product.Id, cancellationToken);
        }

        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        product.Title = fields.Title;
        product.Description = fields.Description;
        product.Brand = fields.Brand;
        product.Category = fields.Category;
        product.Images = fields.Images;
        product.Attributes = fields.Attributes;
        product.UpdatedAt = clock.GetUtcNow();
        foreach (var (code, attributes) in changes)
        {
            if (product.Skus.FirstOrDefault(s => s.Code == code) is { } existing)
            {
                existing.Attributes = attributes;
            }
            else
            {
                var sku = new Sku { Id = Guid.CreateVersion7(), ProductId = product.Id, Code = code, Attributes = attributes };
                context.Skus.Add(sku);
                product.Skus.Add(sku);
            }
        }

        if (!await TrySaveAsync(context, validation, cancellationToken))
        {
            return validation.ToProblem();
        }

        await documents.InvalidateAsync(product.Id, cancellationToken);
        return TypedResults.Ok(ProductDocument.From(product));
    }

    public static async Task<Results<NoContent, NotFound, ForbidHttpResult>> DeleteProductAsync(
        Guid id, ClaimsPrincipal user, CatalogContext context, ProductDocuments documents, CancellationToken cancellationToken)
    {
        var product = await context.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (product is null)
        {
            return TypedResults.NotFound();
        }

        if (!user.CanManage(product))
        {
            return TypedResults.Forbid();
        }

        // SKUs and offers go with it (ON DELETE CASCADE).
        await context.Products.Where(p => p.Id == id).ExecuteDeleteAsync(cancellationToken);
        await documents.InvalidateAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static void ReportDuplicateCodes(RequestValidation validation, List<string> codes)
    {
        for (var i = 0; i < codes.Count; i++)
        {
            if (codes[i].Length > 0 && codes.IndexOf(codes[i]) < i)
            {
                validation.Add($"variants[{i}].code", $"'{codes[i]}' appears more than once.");
            }
        }
    }

    private static async Task ReportCodesInUseAsync(
        RequestValidation validation, CatalogContext context, List<string> codes, Guid? productId, CancellationToken cancellationToken)
    {
        var taken = await context.Skus
            .Where(s => codes.Contains(s.Code) && s.ProductId != productId)
            .Select(s => s.Code)
            .ToListAsync(cancellationToken);
        foreach (var code in taken)
        {
            validation.Add($"variants[{codes.IndexOf(code)}].code", $"'{code}' is already used by another product.");
        }
    }

    /// <summary>Saves; a SKU code taken by a concurrent request since the check becomes a validation error, not a 500.</summary>
    private static async Task<bool> TrySaveAsync(CatalogContext context, RequestValidation validation, CancellationToken cancellationToken)
    {
        try
        {
            await context.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: SkuConfiguration.SkuCodeUniqueIndex })
        {
            validation.Add("variants", "a SKU code is already used by another product.");
            return false;
        }
    }
}

public sealed record ProductQuery(
    [FromQuery] string? Category,
    [FromQuery] string? Brand,
    [FromQuery] Guid? SellerId,
    [FromQuery] int? Page,
    [FromQuery] int? PageSize);

/// <summary>The product fields create and update share, validated and trimmed.</summary>
internal sealed record ProductFields(
    string Title, string Description, string Brand, string Category, List<string> Images, Dictionary<string, string> Attributes)
{
    public static ProductFields Validate(
        RequestValidation validation, string? title, string? description, string? brand, string? category, List<string>? images, Dictionary<string, string>? attributes) => new(
        validation.Text("title", title, RequestValidation.MaxTitleLength),
        validation.Text("description", description, RequestValidation.MaxDescriptionLength, required: false),
        validation.Text("brand", brand, RequestValidation.MaxNameLength),
        validation.Text("category", category, RequestValidation.MaxNameLength),
        validation.Images("images", images),
        validation.Attributes("attributes", attributes));
}
