using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Http;

/// <summary>The one place where grain results become HTTP: each <see cref="ErrorKind"/> has one status.</summary>
public static class ResultHttp
{
    public static Results<Ok<T>, ProblemHttpResult> ToOk<T>(this Result<T> result) =>
        result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToProblem();

    public static Results<Created<T>, ProblemHttpResult> ToCreated<T>(this Result<T> result, Func<T, string> location) =>
        result.IsSuccess ? TypedResults.Created(location(result.Value!), result.Value) : result.Error.ToProblem();

    /// <summary>202: the work is queued, durably, and done later.</summary>
    public static Results<Accepted<T>, ProblemHttpResult> ToAccepted<T>(this Result<T> result) =>
        result.IsSuccess ? TypedResults.Accepted((string?)null, result.Value) : result.Error.ToProblem();

    public static Results<NoContent, ProblemHttpResult> ToNoContent<T>(this Result<T> result) =>
        result.IsSuccess ? TypedResults.NoContent() : result.Error.ToProblem();

    public static ProblemHttpResult ToProblem(this Error error)
    {
        var (status, title) = error.Kind switch
        {
            ErrorKind.Invalid => (StatusCodes.Status400BadRequest, "One or more fields are invalid."),
            ErrorKind.NotFound => (StatusCodes.Status404NotFound, "Not found."),
            ErrorKind.Conflict => (StatusCodes.Status409Conflict, "The request conflicts with the current state."),
            ErrorKind.PreconditionFailed => (StatusCodes.Status412PreconditionFailed, "The product has changed."),
            ErrorKind.Gone => (StatusCodes.Status410Gone, "Gone."),
            _ => (StatusCodes.Status422UnprocessableEntity, "The request cannot be processed."),
        };

        ProblemDetails problem = error.FieldErrors.IsEmpty
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(error.FieldErrors);
        problem.Status = status;
        problem.Title = title;
        problem.Detail = error.Detail;
        if (!error.Shortages.IsDefaultOrEmpty)
        {
            problem.Extensions["shortages"] = error.Shortages;
        }

        if (error.CurrentStatus is { } current)
        {
            problem.Extensions["currentStatus"] = current.ToString();
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>A 400 for a request field the gateway itself checks (presence, route keys).</summary>
    public static ProblemHttpResult Invalid(string field, string message) => Error.Invalid(field, message).ToProblem();

    public static ProblemHttpResult MissingIdempotencyKey() =>
        Invalid(IdempotencyKeys.Header, $"header is required: {IdempotencyKeys.Rule}; repeat it unchanged to retry safely");
}
