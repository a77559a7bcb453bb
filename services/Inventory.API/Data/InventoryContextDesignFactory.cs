using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireShop.Inventory.API.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the AppHost or a running server.</summary>
internal sealed class InventoryContextDesignFactory : IDesignTimeDbContextFactory<InventoryContext>
{
    public InventoryContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<InventoryContext>().UseNpgsql("Host=localhost;Database=inventorydb").Options);
}
