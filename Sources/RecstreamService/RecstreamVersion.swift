/// The version of recstream itself.
public enum RecstreamVersion {
    public static let current = "0.1.0"
}
