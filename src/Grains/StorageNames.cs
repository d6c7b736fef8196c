namespace OrderActors.Grains;

/// <summary>Names of the storage providers grains persist through; the silo registers each one.</summary>
public static class StorageNames
{
    public const string Orders = "orders";
}
