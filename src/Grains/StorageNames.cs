namespace OrderActors.Grains;

/// <summary>Names of the storage providers grains persist through; the silo registers each one.</summary>
public static class StorageNames
{
    public const string Orders = "orders";

    /// <summary>Carts: clearing a cart's state deletes its row, so an expired cart leaves nothing behind.</summary>
    public const string Carts = "carts";
}
