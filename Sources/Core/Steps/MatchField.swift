/// A user field an Audience Sync step can match on, as the step editor offers it.
///
/// One choice can stand for several partner keys: "date of birth" is Facebook's DOBY, DOBM and DOBD.
public enum MatchField: String, Sendable, Codable, CaseIterable {
    case email, phone, firstName = "first_name", lastName = "last_name", gender, dateOfBirth = "dob", city, state, zip, country
    case mobileAdvertiserID = "madid", externalID = "external_id"

    /// The editor's label.
    public var label: String {
        switch self {
        case .email: "Email"
        case .phone: "Phone number"
        case .firstName: "First name"
        case .lastName: "Last name"
        case .gender: "Gender"
        case .dateOfBirth: "Date of birth"
        case .city: "City"
        case .state: "State or region"
        case .zip: "Postal code"
        case .country: "Country"
        case .mobileAdvertiserID: "Mobile advertiser ID (IDFA / GAID)"
        case .externalID: "External ID"
        }
    }

    /// The fields a partner accepts, in the editor's order (partners.md).
    public static func offered(by partner: PartnerID) -> [MatchField] {
        switch partner {
        case .facebook: [.email, .phone, .firstName, .lastName, .gender, .dateOfBirth, .city, .state, .zip, .country, .mobileAdvertiserID, .externalID]
        case .google: [.email, .phone, .firstName, .lastName, .country, .zip, .mobileAdvertiserID]
        case .tiktok: [.email, .phone, .mobileAdvertiserID]
        case .pinterest: [.email, .mobileAdvertiserID]
        case .snapchat: [.email, .phone, .mobileAdvertiserID]
        case .criteo: [.email, .mobileAdvertiserID]
        case .linkedin: [.email, .mobileAdvertiserID]
        }
    }
}
