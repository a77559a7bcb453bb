using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireShop.Identity.API.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the AppHost or a running server.</summary>
internal sealed class IdentityContextDesignFactory : IDesignTimeDbContextFactory<IdentityContext>
{
    public IdentityContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IdentityContext>().UseNpgsql("Host=localhost;Database=identitydb").Options);
}
