using AspireShop.Cart.API.Domain;
using AspireShop.ServiceDefaults.Http;

namespace AspireShop.Cart.API.Apis;

/// <summary>Collects field errors (camelCase names) so a handler validates everything before it calls anyone.</summary>
public sealed class RequestValidation : FieldErrors
{
    public Guid Id(string field, Guid? value)
    {
        if (value is not { } id)
        {
            Add(field, "is required.");
            return Guid.Empty;
        }

        if (id == Guid.Empty)
        {
            Add(field, "must not be the empty id.");
        }

        return id;
    }

    public int Quantity(string field, int? value)
    {
        if (value is not { } quantity)
        {
            Add(field, "is required.");
            return 0;
        }

        if (quantity is < 1 or > CartLine.MaxQuantity)
        {
            Add(field, $"must be between 1 and {CartLine.MaxQuantity}.");
        }

        return quantity;
    }
}
