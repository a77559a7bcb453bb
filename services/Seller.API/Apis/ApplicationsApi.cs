using System.Security.Claims;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Domain;
using AspireShop.Seller.API.Services;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Seller.API.Apis;

/// <summary>
/// Onboarding: any signed-in user applies and reads its own applications; admins list them and approve (creating the
/// seller) or reject.
/// </summary>
public static class ApplicationsApi
{
    public const string Path = "/api/sellers/applications";

    public static IEndpointRouteBuilder MapApplicationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Path).WithTags("Seller onboarding").RequireAuthorization();
        api.MapPost("", SubmitAsync).WithName("SubmitSellerApplication");
        api.MapGet("/mine", GetMineAsync).WithName("GetMySellerApplications");
        api.MapGet("/{id:guid}", GetAsync).WithName("GetSellerApplication");
        api.MapGet("", ListAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("ListSellerApplications");
        api.MapPost("/{id:guid}/approve", ApproveAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("ApproveSellerApplication");
        api.MapPost("/{id:guid}/reject", RejectAsync).RequireAuthorization(AspireShopPolicies.Admin).WithName("RejectSellerApplication");
        return app;
    }

    public static async Task<Results<Created<ApplicationResponse>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> SubmitAsync(
        SubmitApplicationRequest request, ClaimsPrincipal caller, SellerOnboarding onboarding, CancellationToken cancellationToken)
    {
        if (Applicant(caller) is not { } userId)
        {
            return TypedResults.Forbid();
        }

        var validation = new RequestValidation();
        var businessName = validation.BusinessName("businessName", request.BusinessName);
        var contactEmail = validation.Email("contactEmail", request.ContactEmail);
        var payoutAccount = validation.PayoutAccount("payoutAccount", request.PayoutAccount);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        if (caller.GetSellerId() is not null)
        {
            return AlreadyOpen();
        }

        var (outcome, application) = await onboarding.SubmitAsync(userId, businessName, contactEmail, payoutAccount!, cancellationToken);
        return outcome == SubmitOutcome.AlreadyOpen
            ? AlreadyOpen()
            : TypedResults.Created($"{Path}/{application.Id}", ApplicationResponse.From(application));
    }

    /// <summary>The caller's applications, newest first (row-level security shows no one else's whatever the query says).</summary>
    public static async Task<Results<Ok<IReadOnlyList<ApplicationResponse>>, ForbidHttpResult>> GetMineAsync(
        ClaimsPrincipal caller, SellerContext db, CancellationToken cancellationToken)
    {
        if (Applicant(caller) is not { } userId)
        {
            return TypedResults.Forbid();
        }

        var applications = await db.Applications.AsNoTracking()
            .Where(a => a.UserId == userId)
            .OrderByDescending(a => a.SubmittedAt).ThenByDescending(a => a.Id)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ApplicationResponse>>([.. applications.Select(ApplicationResponse.From)]);
    }

    /// <summary>Its applicant or an admin; anyone else gets 404, so ids cannot be probed.</summary>
    public static async Task<Results<Ok<ApplicationResponse>, NotFound>> GetAsync(
        Guid id, ClaimsPrincipal caller, SellerContext db, CancellationToken cancellationToken)
    {
        var application = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return application is not null && (caller.IsAdmin() || application.UserId == caller.GetUserId())
            ? TypedResults.Ok(ApplicationResponse.From(application))
            : TypedResults.NotFound();
    }

    /// <summary>Admins' queue: by status (all when absent), oldest first.</summary>
    public static async Task<Results<Ok<ApplicationList>, ValidationProblem>> ListAsync(
        [AsParameters] ApplicationQuery query, SellerContext db, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var status = validation.Status("status", query.Status);
        var (page, pageSize) = validation.Paging(query.Page, query.PageSize);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        var applications = db.Applications.AsNoTracking();
        if (status is not null)
        {
            applications = applications.Where(a => a.Status == status);
        }

        var total = await applications.CountAsync(cancellationToken);
        var items = await applications
            .OrderBy(a => a.SubmittedAt).ThenBy(a => a.Id)
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new ApplicationList(total, page, pageSize, [.. items.Select(ApplicationResponse.From)]));
    }

    /// <summary>Creates the seller and tells Identity (SellerApproved); the applicant's next token can sell. No body: 10 %.</summary>
    public static async Task<Results<Ok<ApplicationResponse>, ValidationProblem, NotFound, Conflict<ProblemDetails>>> ApproveAsync(
        Guid id, [FromBody] ApproveApplicationRequest? request, ClaimsPrincipal caller, SellerOnboarding onboarding, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var commission = validation.CommissionBasisPoints("commissionBasisPoints", request?.CommissionBasisPoints, required: false);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        return Decided(await onboarding.ApproveAsync(id, commission, DecidedBy(caller), cancellationToken));
    }

    public static async Task<Results<Ok<ApplicationResponse>, ValidationProblem, NotFound, Conflict<ProblemDetails>>> RejectAsync(
        Guid id, RejectApplicationRequest request, ClaimsPrincipal caller, SellerOnboarding onboarding, CancellationToken cancellationToken)
    {
        var validation = new RequestValidation();
        var reason = validation.Reason("reason", request.Reason);
        if (!validation.IsValid)
        {
            return validation.ToProblem();
        }

        return Decided(await onboarding.RejectAsync(id, reason, DecidedBy(caller), cancellationToken));
    }

    private static Results<Ok<ApplicationResponse>, ValidationProblem, NotFound, Conflict<ProblemDetails>> Decided(
        (DecisionOutcome Outcome, SellerApplication? Application) decision) => decision switch
        {
            (DecisionOutcome.Decided, { } application) => TypedResults.Ok(ApplicationResponse.From(application)),
            (DecisionOutcome.AlreadyDecided, { } application) => TypedResults.Conflict(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = $"The application was already {application.Status}.",
                Extensions = { ["status"] = application.Status },
            }),
            _ => TypedResults.NotFound(),
        };

    // A service token speaks for no person who could sell.
    private static Guid? Applicant(ClaimsPrincipal caller) => caller.IsService() ? null : caller.GetUserId();

    private static string DecidedBy(ClaimsPrincipal caller) => caller.FindFirstValue(AspireShopClaims.Subject) ?? "unknown";

    private static Conflict<ProblemDetails> AlreadyOpen() => TypedResults.Conflict(new ProblemDetails
    {
        Status = StatusCodes.Status409Conflict,
        Title = "You already have a pending application or a seller account.",
    });
}
