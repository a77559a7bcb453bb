using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireShop.Seller.API.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the AppHost or a running server.</summary>
internal sealed class SellerContextDesignFactory : IDesignTimeDbContextFactory<SellerContext>
{
    public SellerContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SellerContext>().UseNpgsql("Host=localhost;Database=sellerdb").Options);
}
