using System.Security.Claims;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Extensions;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Seller.API.Apis;

/// <summary>
/// Seller profiles: a seller reads and changes its own (<c>/me</c>, the seller id from its token); admins list every
/// seller and set commissions. A seller naming another seller's id gets 404, from the ownership check here and, behind
/// it, from row-level security.
/// </summary>
public static class SellersApi
{
    public static IEndpointRouteBuilder MapSellersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sellers").WithTags("Seller").RequireAuthorization();
        api.MapGet("/me", GetMineAsync).RequireAuthorization(AspireShopPolicies.Seller).WithName("GetMySellerProfile");
        api.MapPut("/me", UpdateMineAsync).RequireAuthorization(AspireShopPolicies.Seller).WithName("UpdateMySellerProfile");
        api.MapGet("", ListAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("ListSellers");
        api.MapGet("/{id:guid}", GetAsync).RequireAuthorization(SellerPolicies.SellerOrAdmin).WithName("GetSeller");
        api.MapPut("/{id:guid}/commission", UpdateCommissionAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("UpdateSellerCommission");
        // What a shopper sees beside an offer: the seller's name, nothing else.
        api.MapGet("/{id:guid}/public", GetPublicAsync).AllowAnonymous().WithName("GetSellerPublicProfile");
        return app;
    }

    /// <summary>
    /// The only read of the sellers table open to anyone, so it looks across tenants on purpose, and answers only the
    /// public columns.
    /// </summary>
    public static async Task<Results<Ok<SellerPublicProfile>, NotFound>> GetPublicAsync(
        Guid id, TenantContext tenants, SellerContext db, CancellationToken cancellationToken)
    {
        tenants.Current = Tenant.Everyone;
        return await db.Sellers.AsNoTracking().Where(s => s.SellerId == id)
                .Select(s => new SellerPublicProfile(s.SellerId, s.BusinessName)).SingleOrDefaultAsync(cancellationToken) is { } profile
            ? TypedResults.Ok(profile)
            : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<SellerResponse>, NotFound>> GetMineAsync(ClaimsPrincipal caller, SellerContext db, CancellationToken cancellationToken) =>
        await db.Sellers.AsNoTracking().SingleOrDefaultAsync(s => s.SellerId == caller.GetSellerId(), cancellationToken) is { } seller
            ? TypedResults.Ok(SellerResponse.From(seller))
            : TypedResults.NotFound();

    /// <summary>Business name and contact are replaced; the payout account only when given (the API shows it masked).</summary>
    public static async Task<Results<Ok<SellerResponse>, ValidationProblem, NotFound, Conflict<ProblemDetails>>> UpdateMineAsync(
        UpdateProfileRequest request, ClaimsPrincipal caller, SellerContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var businessName = validation.BusinessName("businessName", request.BusinessName);
        var contactEmail = validation.Email("contactEmail", request.ContactEmail);
        var payoutAccount = validation.PayoutAccount("payoutAccount", request.PayoutAccount, required: false);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var seller = await db.Sellers.SingleOrDefaultAsync(s => s.SellerId == caller.GetSellerId(), cancellationToken);
        if (seller is null)
        {
            return TypedResults.NotFound();
        }

        seller.BusinessName = businessName;
        seller.ContactEmail = contactEmail;
        seller.PayoutAccount = payoutAccount ?? seller.PayoutAccount;
        seller.UpdatedAt = time.GetUtcNow();
        return await SaveAsync(db, seller, cancellationToken);
    }

    public static async Task<Results<Ok<SellerList>, ValidationProblem>> ListAsync(
        [AsParameters] SellerQuery query, SellerContext db, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var (page, pageSize) = validation.Paging(query.Page, query.PageSize);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var total = await db.Sellers.CountAsync(cancellationToken);
        var items = await db.Sellers.AsNoTracking()
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.SellerId)
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new SellerList(total, page, pageSize, [.. items.Select(SellerResponse.From)]));
    }

    /// <summary>An admin reads any seller, a seller only itself: another's id is 404, as if it did not exist.</summary>
    public static async Task<Results<Ok<SellerResponse>, NotFound>> GetAsync(Guid id, ClaimsPrincipal caller, SellerContext db, CancellationToken cancellationToken)
    {
        if (!caller.CanActForSeller(id))
        {
            return TypedResults.NotFound();
        }

        return await db.Sellers.AsNoTracking().SingleOrDefaultAsync(s => s.SellerId == id, cancellationToken) is { } seller
            ? TypedResults.Ok(SellerResponse.From(seller))
            : TypedResults.NotFound();
    }

    /// <summary>Applies to sales from now on; what was already earned keeps the rate it was earned at.</summary>
    public static async Task<Results<Ok<SellerResponse>, ValidationProblem, NotFound, Conflict<ProblemDetails>>> UpdateCommissionAsync(
        Guid id, UpdateCommissionRequest request, SellerContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var commission = validation.CommissionBasisPoints("commissionBasisPoints", request.CommissionBasisPoints, required: true);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var seller = await db.Sellers.SingleOrDefaultAsync(s => s.SellerId == id, cancellationToken);
        if (seller is null)
        {
            return TypedResults.NotFound();
        }

        seller.CommissionBasisPoints = commission;
        seller.UpdatedAt = time.GetUtcNow();
        return await SaveAsync(db, seller, cancellationToken);
    }

    private static async Task<Results<Ok<SellerResponse>, ValidationProblem, NotFound, Conflict<ProblemDetails>>> SaveAsync(
        SellerContext db, Domain.SellerAccount seller, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return TypedResults.Ok(SellerResponse.From(seller));
        }
        // Changed by someone else since it was read (xmin): the caller reads again and decides, nothing is overwritten blindly.
        catch (DbUpdateConcurrencyException)
        {
            return TypedResults.Conflict(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The seller changed meanwhile; read it again and retry.",
            });
        }
    }
}
