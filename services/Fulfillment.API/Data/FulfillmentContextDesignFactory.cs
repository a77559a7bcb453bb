using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireShop.Fulfillment.API.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the AppHost or a running server.</summary>
internal sealed class FulfillmentContextDesignFactory : IDesignTimeDbContextFactory<FulfillmentContext>
{
    public FulfillmentContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<FulfillmentContext>().UseNpgsql("Host=localhost;Database=fulfillmentdb").Options);
}
