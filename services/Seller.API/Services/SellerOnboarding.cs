using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.API.Domain;
using AspireShop.Seller.Contracts;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AspireShop.Seller.API.Services;

public enum SubmitOutcome
{
    Submitted,

    /// <summary>The user has a pending application or is already a seller.</summary>
    AlreadyOpen,
}

public enum DecisionOutcome
{
    Decided,
    NotFound,

    /// <summary>Approved or rejected before (maybe by another admin at the same moment).</summary>
    AlreadyDecided,
}

/// <summary>
/// Applications and the admins' decisions on them. An approval creates the seller and writes <see cref="SellerApproved"/>
/// to the outbox in the same SaveChanges: Identity grants the role only for a seller that exists, and always does.
/// </summary>
public sealed class SellerOnboarding(SellerContext db, TimeProvider time)
{
    public async Task<(SubmitOutcome Outcome, SellerApplication Application)> SubmitAsync(
        Guid userId, string businessName, string contactEmail, string payoutAccount, CancellationToken cancellationToken)
    {
        var application = new SellerApplication
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            BusinessName = businessName,
            ContactEmail = contactEmail,
            PayoutAccount = payoutAccount,
            SubmittedAt = time.GetUtcNow(),
        };
        db.Applications.Add(application);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException
        {
            SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: SellerApplicationConfiguration.OpenPerUserIndex,
        })
        {
            // The unique index decides, whatever row-level security lets this caller see: two POSTs at once get one 201.
            db.Entry(application).State = EntityState.Detached;
            return (SubmitOutcome.AlreadyOpen, application);
        }

        return (SubmitOutcome.Submitted, application);
    }

    public async Task<(DecisionOutcome Outcome, SellerApplication? Application)> ApproveAsync(
        Guid applicationId, int commissionBasisPoints, string decidedBy, CancellationToken cancellationToken)
    {
        var application = await db.Applications.SingleOrDefaultAsync(a => a.Id == applicationId, cancellationToken);
        if (application is null)
        {
            return (DecisionOutcome.NotFound, null);
        }

        if (application.Status != ApplicationStatus.Pending)
        {
            return (DecisionOutcome.AlreadyDecided, application);
        }

        var now = time.GetUtcNow();
        var seller = new SellerAccount
        {
            SellerId = Guid.CreateVersion7(),
            UserId = application.UserId,
            ApplicationId = application.Id,
            BusinessName = application.BusinessName,
            ContactEmail = application.ContactEmail,
            PayoutAccount = application.PayoutAccount,
            CommissionBasisPoints = commissionBasisPoints,
            CreatedAt = now,
            UpdatedAt = now,
        };
        application.Status = ApplicationStatus.Approved;
        application.SellerId = seller.SellerId;
        application.CommissionBasisPoints = commissionBasisPoints;
        application.DecidedAt = now;
        application.DecidedBy = decidedBy;
        db.Sellers.Add(seller);
        SellerEvent approved = new SellerApproved(
            application.UserId, seller.SellerId, application.Id, seller.BusinessName, commissionBasisPoints, now);
        db.AddOutboxEvent(OutboxEvent.Create(SellerEvent.AggregateType, seller.SellerId.ToString(), approved, nameof(SellerApproved)));

        return await DecideAsync(application, cancellationToken);
    }

    public async Task<(DecisionOutcome Outcome, SellerApplication? Application)> RejectAsync(
        Guid applicationId, string reason, string decidedBy, CancellationToken cancellationToken)
    {
        var application = await db.Applications.SingleOrDefaultAsync(a => a.Id == applicationId, cancellationToken);
        if (application is null)
        {
            return (DecisionOutcome.NotFound, null);
        }

        if (application.Status != ApplicationStatus.Pending)
        {
            return (DecisionOutcome.AlreadyDecided, application);
        }

        application.Status = ApplicationStatus.Rejected;
        application.RejectionReason = reason;
        application.DecidedAt = time.GetUtcNow();
        application.DecidedBy = decidedBy;
        return await DecideAsync(application, cancellationToken);
    }

    private async Task<(DecisionOutcome, SellerApplication?)> DecideAsync(SellerApplication application, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return (DecisionOutcome.Decided, application);
        }
        // Another admin decided between the read and the write: the row's xmin moved, or their seller for this
        // application holds the unique keys ours waited on. Theirs stands; nothing of ours is written.
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException
            || ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, TableName: "sellers" })
        {
            db.ChangeTracker.Clear();
            return (DecisionOutcome.AlreadyDecided, await db.Applications.AsNoTracking().SingleAsync(a => a.Id == application.Id, cancellationToken));
        }
    }
}
