using System.Globalization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace AspireShop.ServiceDefaults.OpenApi;

/// <summary>
/// Every service's OpenAPI document (<c>/openapi/v1.json</c>), generated from its endpoints: each operation lists its
/// security requirement (bearer JWT unless anonymous) and its ProblemDetails error responses.
/// </summary>
public static class OpenApiDefaults
{
    public const string DocumentName = "v1";
    public const string DocumentPattern = "/openapi/{documentName}.json";
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddDefaultOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<BearerSecuritySchemeTransformer>();
            options.AddOperationTransformer<ProblemDetailsAndSecurityTransformer>();
        });

    /// <summary>Anonymous: the document describes the API, it grants nothing, and the fallback policy would answer 401.</summary>
    public static IEndpointConventionBuilder MapDefaultOpenApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapOpenApi(DocumentPattern).AllowAnonymous();
}

internal sealed class BearerSecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    public const string SchemeId = JwtBearerDefaults.AuthenticationScheme;

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access token from the Identity service (/auth/connect/token).",
        };
        return Task.CompletedTask;
    }
}

internal sealed class ProblemDetailsAndSecurityTransformer : IOpenApiOperationTransformer
{
    private const string ProblemJson = "application/problem+json";
    private const string ProblemSchemaId = nameof(ProblemDetails);

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("An operation transformer ran without its document.");
        var problem = await ProblemSchemaAsync(document, context, cancellationToken);
        operation.Responses ??= [];

        if (await RequiresAuthorizationAsync(context))
        {
            operation.Security ??= [];
            // The reference needs its host document: one that resolves to no component is silently left out.
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSecuritySchemeTransformer.SchemeId, document)] = [] });
            AddProblem(operation.Responses, StatusCodes.Status401Unauthorized, problem);
            AddProblem(operation.Responses, StatusCodes.Status403Forbidden, problem);
        }

        AddProblem(operation.Responses, StatusCodes.Status500InternalServerError, problem);

        // Errors declared without a body (TypedResults.NotFound()) still answer problem+json (status-code pages).
        foreach (var (statusCode, response) in operation.Responses)
        {
            if (response is OpenApiResponse concrete && statusCode is ['4' or '5', _, _] && (concrete.Content is null || concrete.Content.Count == 0))
            {
                concrete.Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = problem } };
            }
        }
    }

    /// <summary>The authorization middleware's own rule: anonymous wins; else any policy, or the fallback policy.</summary>
    private static async Task<bool> RequiresAuthorizationAsync(OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return false;
        }

        if (metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<AuthorizationPolicy>().Any() || metadata.OfType<IAuthorizationRequirementData>().Any())
        {
            return true;
        }

        var policies = context.ApplicationServices.GetService<IAuthorizationPolicyProvider>();
        return policies is not null && await policies.GetFallbackPolicyAsync() is not null;
    }

    private static async Task<IOpenApiSchema> ProblemSchemaAsync(OpenApiDocument document, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (document.Components?.Schemas?.ContainsKey(ProblemSchemaId) != true)
        {
            document.AddComponent(ProblemSchemaId, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken));
        }

        return new OpenApiSchemaReference(ProblemSchemaId, document);
    }

    private static void AddProblem(OpenApiResponses responses, int statusCode, IOpenApiSchema schema) =>
        responses.TryAdd(statusCode.ToString(CultureInfo.InvariantCulture), new OpenApiResponse
        {
            Description = ReasonPhrases.GetReasonPhrase(statusCode),
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = schema } },
        });
}
