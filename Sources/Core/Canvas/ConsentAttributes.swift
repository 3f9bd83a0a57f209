/// The consent attributes the filter editor offers first, and why they matter.
///
/// Canvases push users to ad platforms, so the editor leads with the filters that keep users who did not
/// consent out of those audiences.
public enum ConsentAttributes {
    /// One suggested consent filter: the attribute, how the editor names it, and the operator that selects the
    /// users who consented.
    public typealias Suggestion = (attribute: String, label: String, suggestedOperator: FilterOperator)

    /// Consent filters in the order the editor offers them: ad tracking first, as it gates ad platforms directly.
    public static let suggested: [Suggestion] = [
        (attribute: "ads_tracking_enabled", label: "Allowed ad tracking", suggestedOperator: .isTrue),
        (attribute: "opted_in_marketing", label: "Opted in to marketing", suggestedOperator: .isTrue),
        // do_not_sell records an opt-out, so the consenting users are the ones where it is false.
        (attribute: "do_not_sell", label: "Did not opt out of the sale of their data", suggestedOperator: .isFalse),
    ]

    /// Why consent filters matter, in plain words for the editor.
    public static let explanation = "Ad platforms should only receive users who allowed ad tracking and did not "
        + "opt out of the sale of their data. Privacy laws such as GDPR and CCPA, and the platforms' own terms, "
        + "require this consent, so add these filters to every canvas that sends users to an ad platform."

    /// The standard attribute names in the order an attribute picker lists them: consent first, then
    /// identifiers, then personal details and location. Any custom attribute name can be typed as well.
    public static let standardAttributes: [String] = [
        "ads_tracking_enabled", "opted_in_marketing", "do_not_sell",
        "external_id", "email", "phone", "idfa", "gaid",
        "first_name", "last_name", "gender", "dob",
        "country", "state", "home_city", "zip",
    ]
}
