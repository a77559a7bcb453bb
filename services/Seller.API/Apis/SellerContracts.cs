using AspireShop.Seller.API.Domain;

namespace AspireShop.Seller.API.Apis;

/// <summary>A user's application: the business, how to reach it, and the IBAN payouts go to.</summary>
public sealed record SubmitApplicationRequest(string? BusinessName, string? ContactEmail, string? PayoutAccount);

/// <summary>Commission in basis points (1000 = 10 %); the default when absent.</summary>
public sealed record ApproveApplicationRequest(int? CommissionBasisPoints);

public sealed record RejectApplicationRequest(string? Reason);

/// <summary>A seller's own profile; <see cref="PayoutAccount"/> absent keeps the current account.</summary>
public sealed record UpdateProfileRequest(string? BusinessName, string? ContactEmail, string? PayoutAccount);

public sealed record UpdateCommissionRequest(int? CommissionBasisPoints);

public sealed record ApplicationQuery(string? Status, int? Page, int? PageSize);

public sealed record SellerQuery(int? Page, int? PageSize);

/// <summary>An application as its applicant and admins see it; the payout account is masked.</summary>
public sealed record ApplicationResponse(
    Guid Id,
    Guid UserId,
    string BusinessName,
    string ContactEmail,
    string PayoutAccount,
    string Status,
    string? RejectionReason,
    Guid? SellerId,
    int? CommissionBasisPoints,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? DecidedAt)
{
    public static ApplicationResponse From(SellerApplication a) => new(
        a.Id, a.UserId, a.BusinessName, a.ContactEmail, Domain.PayoutAccount.Mask(a.PayoutAccount), a.Status, a.RejectionReason, a.SellerId,
        a.CommissionBasisPoints, a.SubmittedAt, a.DecidedAt);
}

public sealed record ApplicationList(int Total, int Page, int PageSize, IReadOnlyList<ApplicationResponse> Items);

/// <summary>A seller's profile as the seller and admins see it; the payout account is masked.</summary>
public sealed record SellerResponse(
    Guid SellerId,
    Guid UserId,
    string BusinessName,
    string ContactEmail,
    string PayoutAccount,
    int CommissionBasisPoints,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static SellerResponse From(SellerAccount s) => new(
        s.SellerId, s.UserId, s.BusinessName, s.ContactEmail, Domain.PayoutAccount.Mask(s.PayoutAccount), s.CommissionBasisPoints, s.CreatedAt, s.UpdatedAt);
}

/// <summary>A seller as shoppers see it beside its offers.</summary>
public sealed record SellerPublicProfile(Guid SellerId, string BusinessName);

public sealed record SellerList(int Total, int Page, int PageSize, IReadOnlyList<SellerResponse> Items);
