using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireShop.Ordering.API.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the AppHost or a running server.</summary>
internal sealed class OrderingContextDesignFactory : IDesignTimeDbContextFactory<OrderingContext>
{
    public OrderingContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<OrderingContext>().UseNpgsql("Host=localhost;Database=orderingdb").Options);
}
