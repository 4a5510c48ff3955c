using System.ComponentModel.DataAnnotations;

namespace Concurrency.Strategies.Internal;

/// <summary>Turns DataAnnotations results into messages that name the property (with its configuration path) and the fix.</summary>
internal static class OptionsValidation
{
    public static IEnumerable<string> DataAnnotations(object options, string prefix)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            yield break;
        }

        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(string.Empty))
            {
                var value = options.GetType().GetProperty(member)?.GetValue(options);
                yield return $"{prefix}{member}: {result.ErrorMessage} Got {value ?? "null"}.";
            }
        }
    }

    /// <summary>The progress interval every strategy's options share.</summary>
    public static IEnumerable<string> ProgressInterval(TimeSpan interval, string prefix)
    {
        if (interval <= TimeSpan.Zero)
        {
            yield return $"{prefix}ProgressInterval must be positive, e.g. 00:00:00.1 for ten reports a second; got {interval}.";
        }
    }

    /// <summary>Validates options passed straight to a constructor; throws one exception listing every problem.</summary>
    public static void ThrowIfInvalid(IEnumerable<string> errors, string paramName)
    {
        var list = errors.ToList();
        if (list.Count > 0)
        {
            throw new ArgumentException(
                $"Invalid options: {string.Join(" ", list)}",
                paramName);
        }
    }
}
