using SkiaSharp;

namespace Concurrency.Strategies.Scenarios.Server;

/// <summary>Draws the server's JPEG images: gradients and shapes, different per image number, at any size.</summary>
public static class ImageFactory
{
    /// <summary>Draws image <paramref name="id"/> at <paramref name="width"/>×<paramref name="height"/> and encodes it as a JPEG.</summary>
    /// <param name="id">The image number; it seeds the colours and shapes.</param>
    /// <param name="width">The width in pixels.</param>
    /// <param name="height">The height in pixels.</param>
    /// <param name="quality">The JPEG quality, 1–100.</param>
    /// <returns>The encoded JPEG.</returns>
    public static byte[] Jpeg(int id, int width, int height, int quality = 85)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var random = new Random(id);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"SkiaSharp could not create a {width}x{height} surface.");
        var canvas = surface.Canvas;
        using (var shader = SKShader.CreateLinearGradient(
            new SKPoint(0, 0), new SKPoint(width, height), [RandomColor(random), RandomColor(random)], SKShaderTileMode.Clamp))
        using (var background = new SKPaint { Shader = shader })
        {
            canvas.DrawRect(0, 0, width, height, background);
        }

        using var paint = new SKPaint { IsAntialias = true };
        for (var i = 0; i < 40; i++)
        {
            paint.Color = RandomColor(random).WithAlpha((byte)random.Next(80, 200));
            var radius = random.Next(Math.Max(2, Math.Min(width, height) / 30), Math.Max(3, Math.Min(width, height) / 5));
            canvas.DrawCircle(random.Next(width), random.Next(height), radius, paint);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    private static SKColor RandomColor(Random random) => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
}
