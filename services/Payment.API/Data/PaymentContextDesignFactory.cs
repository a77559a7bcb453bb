using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireShop.Payment.API.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the AppHost or a running server.</summary>
internal sealed class PaymentContextDesignFactory : IDesignTimeDbContextFactory<PaymentContext>
{
    public PaymentContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PaymentContext>().UseNpgsql("Host=localhost;Database=paymentdb").Options);
}
