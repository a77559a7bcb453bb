using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Identity.API.Data;
using AspireShop.Identity.API.Domain;
using AspireShop.Seller.Contracts;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Identity.API.Events;

/// <summary>
/// Seller's events (topic <see cref="SellerEvent.Topic"/>): an approval makes the applicant a seller (role
/// <c>seller</c>, its <c>seller_id</c>), so the next token it gets (password sign-in or refresh) can sell. The grant
/// and the inbox row are one transaction: a redelivered approval changes nothing.
/// </summary>
public sealed partial class SellerApprovedHandler(IdentityContext db, ILogger<SellerApprovedHandler> logger) : IEventHandler<SellerEvent>
{
    /// <summary>The consumer group and the inbox consumer name.</summary>
    public const string ConsumerGroup = "identity.sellers";

    public Task HandleAsync(SellerEvent payload, ReceivedMessage message, CancellationToken cancellationToken) => payload switch
    {
        SellerApproved approved => GrantAsync(approved, message.MessageId, cancellationToken),
        // Seller's other events are about sellers, not accounts.
        _ => Task.CompletedTask,
    };

    private Task GrantAsync(SellerApproved approved, string messageId, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            // A retried attempt starts from the database, not from what the failed one tracked.
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (!await db.TryRecordInboxAsync(ConsumerGroup, messageId, cancellationToken))
            {
                return;
            }

            var user = await db.Users.SingleOrDefaultAsync(u => u.Id == approved.UserId, cancellationToken)
                ?? throw new PoisonMessageException($"{messageId}: no user {approved.UserId} to make seller {approved.SellerId}.");
            // A user acts for one seller: a second one is a fault upstream for an operator, never a silent switch.
            if (user.SellerId is { } current && current != approved.SellerId)
            {
                throw new PoisonMessageException($"{messageId}: user {user.Id} already acts for seller {current}, not {approved.SellerId}.");
            }

            user.SellerId = approved.SellerId;
            if (!user.Roles.Contains(UserRoles.Seller))
            {
                user.Roles = [.. user.Roles, UserRoles.Seller];
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogGranted(logger, user.Id, approved.SellerId);
        });

    [LoggerMessage(LogLevel.Information, "User {UserId} now acts for seller {SellerId}")]
    private static partial void LogGranted(ILogger logger, Guid userId, Guid sellerId);
}
