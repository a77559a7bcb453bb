using System.Security.Claims;
using AspireShop.Catalog.API.Data;
using AspireShop.Catalog.API.Identity;
using AspireShop.Catalog.API.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireShop.Catalog.API.Apis;

/// <summary>A seller's price for a SKU: only that seller (or an admin) sets or withdraws it.</summary>
public static class OffersApi
{
    public static IEndpointRouteBuilder MapOffersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/catalog/skus/{skuId:guid}/offers").WithTags("Catalog").RequireAuthorization();
        // Public: the cart prices a line from it, as a shopper sees the offer on the product page.
        api.MapGet("/{sellerId:guid}", GetOfferAsync).AllowAnonymous().WithName("GetOffer");
        api.MapPut("/{sellerId:guid}", PutOfferAsync).WithName("PutOffer");
        api.MapDelete("/{sellerId:guid}", DeleteOfferAsync).WithName("DeleteOffer");
        return app;
    }

    public static async Task<Results<Ok<OfferDetails>, NotFound>> GetOfferAsync(
        Guid skuId, Guid sellerId, CatalogContext context, CancellationToken cancellationToken)
    {
        var offer = await (
                from o in context.Offers
                join s in context.Skus on o.SkuId equals s.Id
                join p in context.Products on s.ProductId equals p.Id
                where o.SkuId == skuId && o.SellerId == sellerId
                select new OfferDetails(o.SkuId, o.SellerId, p.Id, p.Title, s.Code, s.Attributes, o.Price, o.Currency))
            .AsNoTracking()
            .FirstOrDefaultAsync(cancellationToken);
        return offer is null ? TypedResults.NotFound() : TypedResults.Ok(offer);
    }

    public static async Task<Results<Ok<OfferResponse>, ValidationProblem, NotFound, ForbidHttpResult>> PutOfferAsync(
        Guid skuId,
        Guid sellerId,
        OfferRequest request,
        ClaimsPrincipal user,
        CatalogContext context,
        ProductDocuments documents,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!user.CanManageOffersOf(sellerId))
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var price = validation.Price("price", request.Price);
        var currency = validation.Currency("currency", request.Currency);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var productId = await ProductOfAsync(context, skuId, cancellationToken);
        if (productId is null)
        {
            return TypedResults.NotFound();
        }

        var now = clock.GetUtcNow();
        try
        {
            // One statement, so two concurrent first offers of the same seller cannot collide on the key.
            await context.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO offers (sku_id, seller_id, price, currency, updated_at) VALUES ({skuId}, {sellerId}, {price}, {currency}, {now})
                ON CONFLICT (sku_id, seller_id) DO UPDATE SET price = excluded.price, currency = excluded.currency, updated_at = excluded.updated_at
                """,
                cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The SKU was deleted since the look-up.
            return TypedResults.NotFound();
        }

        await documents.InvalidateAsync(productId.Value, cancellationToken);
        return TypedResults.Ok(new OfferResponse(skuId, sellerId, price, currency, now));
    }

    public static async Task<Results<NoContent, NotFound, ForbidHttpResult>> DeleteOfferAsync(
        Guid skuId, Guid sellerId, ClaimsPrincipal user, CatalogContext context, ProductDocuments documents, CancellationToken cancellationToken)
    {
        if (!user.CanManageOffersOf(sellerId))
        {
            return TypedResults.Forbid();
        }

        var productId = await ProductOfAsync(context, skuId, cancellationToken);
        var deleted = await context.Offers.Where(o => o.SkuId == skuId && o.SellerId == sellerId).ExecuteDeleteAsync(cancellationToken);
        if (productId is null || deleted == 0)
        {
            return TypedResults.NotFound();
        }

        await documents.InvalidateAsync(productId.Value, cancellationToken);
        return TypedResults.NoContent();
    }

    private static Task<Guid?> ProductOfAsync(CatalogContext context, Guid skuId, CancellationToken cancellationToken) =>
        context.Skus.Where(s => s.Id == skuId).Select(s => (Guid?)s.ProductId).FirstOrDefaultAsync(cancellationToken);
}
