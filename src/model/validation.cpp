// Client-side checks of a create-order request and of a patient (see <impilo/validation.hpp>).
//
// Violations are reported in document order: the checks below run in the order of the request's
// members (patient, site, orderItems, orderKits, shippingOption, returnItems, returnDevices,
// returnPackedKits), and within a list entry by entry.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <impilo/validation.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "civil_time.hpp"
#include "model_fields.hpp"

namespace impilo {
namespace {

/// A JSON pointer under construction: `Pointer{} / "orderItems" / 2 / "count"` is
/// `/orderItems/2/count`. Member names are the SDK's own camelCase constants, which hold neither
/// `~` nor `/`, so no escaping is needed.
class Pointer {
 public:
  Pointer() = default;

  /// A pointer already built elsewhere (by `detail::for_each_string`).
  explicit Pointer(std::string text) : text_(std::move(text)) {}

  Pointer operator/(std::string_view member) const {
    std::string text = text_;
    text += '/';
    text += member;
    return Pointer(std::move(text));
  }

  Pointer operator/(std::size_t index) const {
    return *this / std::string_view(std::to_string(index));
  }

  [[nodiscard]] const std::string& str() const noexcept { return text_; }

 private:
  std::string text_;
};

const Pointer root{};

/// True when @p value is absent, empty or only whitespace (what the server calls "blank").
bool is_blank(const std::optional<std::string>& value) {
  return !value || internal::trim(*value).empty();
}

using internal::equals_ignoring_case;

/// True when @p list is present and holds at least one element (an empty list counts as absent).
template <typename T>
bool has_entries(const std::optional<std::vector<T>>& list) {
  return list && !list->empty();
}

/// Collects violations in the order they are found.
class Report {
 public:
  /// A violation whose message is the server's sentence for @p code; @p fallback (or else the
  /// code's name) when `server_message` has no fixed sentence for it.
  void add(const Pointer& field, ErrorCode code, std::string_view fallback = {}) {
    std::string_view sentence = server_message(code);
    if (sentence.empty()) {
      sentence = fallback.empty() ? to_string(code) : fallback;
    }
    add_with_message(field, code, std::string(sentence));
  }

  /// A violation with a message of our own (for the server's generic `invalid_data`, or where the
  /// server's sentence would mislead).
  void add_with_message(const Pointer& field, ErrorCode code, std::string message) {
    violations_.push_back(Violation{field.str(), code, std::move(message)});
  }

  [[nodiscard]] std::vector<Violation> take() && { return std::move(violations_); }

 private:
  std::vector<Violation> violations_;
};

/// A patient that is created (alone, or without `id` inside an order) needs non-blank names, a
/// full address, and a site (if it names one) given by id. @p at points at the patient.
void check_new_patient(Report& report, const Patient& patient, const Pointer& at) {
  if (is_blank(patient.first_name)) {
    report.add(at / "firstName", ErrorCode::patient_first_name_required);
  }
  if (is_blank(patient.last_name)) {
    report.add(at / "lastName", ErrorCode::patient_last_name_required);
  }
  if (!patient.address) {
    report.add(at / "address", ErrorCode::patient_address_required);
  } else {
    struct Required {
      const std::optional<std::string> Address::*value;
      std::string_view member;
      ErrorCode code;
    };
    static constexpr Required required[] = {
        {&Address::line_one, "lineOne", ErrorCode::address_line_one_required},
        {&Address::city, "city", ErrorCode::address_city_required},
        {&Address::state, "state", ErrorCode::address_state_required},
        {&Address::country, "country", ErrorCode::address_country_required},
        {&Address::zip_code, "zipCode", ErrorCode::address_zip_code_required},
    };
    for (const Required& r : required) {
      if (is_blank((*patient.address).*r.value)) {
        report.add(at / "address" / r.member, r.code);
      }
    }
  }
  if (patient.site && !patient.site->id) {
    report.add(at / "site" / "id", ErrorCode::site_not_found, "Unable to find the Site provided.");
  }
}

/// A date of birth, when given, is a real `YYYY-MM-DD` date, not after today. The messages never
/// quote the value: a date of birth is health data.
void check_date_of_birth(Report& report, const Patient& patient, const Pointer& at) {
  if (!patient.date_of_birth) return;
  const std::optional<std::int64_t> day = internal::parse_calendar_date(*patient.date_of_birth);
  if (!day) {
    report.add_with_message(at / "dateOfBirth", ErrorCode::invalid_data,
                            "dateOfBirth must be a calendar date written YYYY-MM-DD "
                            "(1950-04-01), a real day of a real month");
  } else if (*day > internal::today_utc()) {
    report.add_with_message(at / "dateOfBirth", ErrorCode::invalid_data,
                            "dateOfBirth must not be after today (UTC)");
  }
}

/// An e-mail address, when given, holds exactly one `@`, with text on both sides (the address is
/// not quoted: it identifies the patient).
void check_email(Report& report, const Patient& patient, const Pointer& at) {
  if (!patient.email) return;
  const std::string& email = *patient.email;
  const std::size_t at_sign = email.find('@');
  if (at_sign == std::string::npos || at_sign == 0 || at_sign + 1 == email.size() ||
      email.find('@', at_sign + 1) != std::string::npos) {
    report.add_with_message(at / "email", ErrorCode::invalid_data,
                            "email must hold exactly one @ with text on both sides");
  }
}

/// An open-enum value the SDK does not know is most likely a typo the server would refuse with a
/// bare `invalid_data`; a value marked `deliberate()` is the user's to vouch for. The message never
/// quotes the value (a patient's `sex` is health data), but points out a difference in case only.
template <typename E>
void check_enum(Report& report, const Pointer& at, std::string_view member,
                const std::optional<OpenEnum<E>>& value) {
  // A value that is not UTF-8 is `check_utf8`'s to report: one violation per problem.
  if (!value || value->is_known() || value->is_deliberate() ||
      !detail::is_valid_utf8(value->str())) {
    return;
  }
  std::string known;
  std::string_view same_but_case;
  for (const std::string_view name : detail::EnumNames<E>::names) {
    known += known.empty() ? "" : ", ";
    known += name;
    if (equals_ignoring_case(name, value->str())) same_but_case = name;
  }
  std::string message = std::string(member) + " must be one of: " + known;
  if (!same_but_case.empty()) {
    message += " (values are case-sensitive: did you mean " + std::string(same_but_case) + "?)";
  }
  message +=
      "; to send a value newer than this SDK on purpose, mark it with OpenEnum::deliberate()";
  report.add_with_message(at, ErrorCode::invalid_data, std::move(message));
}

/// Exactly one of patient and site; a site order needs `site.id`; a new patient must be complete.
/// An existing patient (with `id`) needs nothing else.
void check_recipient(Report& report, const CreateOrderRequest& request) {
  const auto& patient = request.patient;
  const auto& site = request.site;
  if (!patient && !site) {
    report.add(root / "patient", ErrorCode::patient_or_site_required);
  }
  if (patient && !patient->id) {
    check_new_patient(report, *patient, root / "patient");
    check_date_of_birth(report, *patient, root / "patient");
  }
  if (patient) {
    check_enum(report, root / "patient" / "sex", "sex", patient->sex);
  }
  if (patient && site) {
    report.add_with_message(root / "site", ErrorCode::patient_or_site_required,
                            "Exactly one of patient and site must be given, not both");
  } else if (site && !site->id) {
    // A site's name or address never finds a site: only its id does.
    report.add(root / "site" / "id", ErrorCode::patient_or_site_required);
  }
}

bool has_returns(const CreateOrderRequest& request) {
  return has_entries(request.return_items) || has_entries(request.return_devices) ||
         has_entries(request.return_packed_kits);
}

/// At least one non-empty content list.
void check_content(Report& report, const CreateOrderRequest& request) {
  if (!has_entries(request.order_items) && !has_entries(request.order_kits) &&
      !has_returns(request)) {
    report.add(root / "orderItems", ErrorCode::order_content_required);
  }
}

/// Returns need a shipping option unless the label is e-mailed.
void check_shipping(Report& report, const CreateOrderRequest& request) {
  if (has_returns(request) && !request.email_label.value_or(false) && !request.shipping_option) {
    report.add(root / "shippingOption", ErrorCode::shipping_option_required);
  }
  check_enum(report, root / "shippingOption", "shippingOption", request.shipping_option);
}

/// Every line of an item-like list (`orderItems`, `orderKits`, `returnItems`) names its catalogue
/// entry by id and asks for at least one of it. @p ref is the line's member holding the entry
/// (`item` or `kit`), named @p ref_name in JSON.
template <typename Line, typename Ref>
void check_lines(Report& report, const std::optional<std::vector<Line>>& lines,
                 std::string_view list_name, const std::optional<Ref> Line::*ref,
                 std::string_view ref_name) {
  if (!lines) {
    return;
  }
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const Line& line = (*lines)[i];
    const Pointer at = root / list_name / i;
    const std::optional<Ref>& entry = line.*ref;
    if (!entry) {
      report.add_with_message(at / ref_name, ErrorCode::invalid_data,
                              std::string(ref_name) + " is required");
    } else if (!entry->id) {
      report.add_with_message(at / ref_name / "id", ErrorCode::invalid_data,
                              std::string(ref_name) + " id is required");
    }
    if (!line.count) {
      report.add_with_message(at / "count", ErrorCode::invalid_data, "count is required");
    } else if (*line.count < 1) {
      report.add_with_message(at / "count", ErrorCode::invalid_data,
                              "count must be at least 1, got " + std::to_string(*line.count));
    }
  }
}

/// Every returned packed kit names its kit by id, and every device it lists by id.
void check_return_packed_kits(Report& report, const CreateOrderRequest& request) {
  if (!request.return_packed_kits) {
    return;
  }
  const auto& kits = *request.return_packed_kits;
  for (std::size_t i = 0; i < kits.size(); ++i) {
    const Pointer at = root / "returnPackedKits" / i;
    if (!kits[i].kit) {
      report.add_with_message(at / "kit", ErrorCode::invalid_data, "kit is required");
    } else if (!kits[i].kit->id) {
      report.add_with_message(at / "kit" / "id", ErrorCode::invalid_data, "kit id is required");
    }
    if (!kits[i].devices) {
      continue;
    }
    const auto& devices = *kits[i].devices;
    for (std::size_t d = 0; d < devices.size(); ++d) {
      if (!devices[d].id) {
        report.add_with_message(at / "devices" / d / "id", ErrorCode::invalid_data,
                                "device id is required");
      }
    }
  }
}

/// Every returned device is named by id, and none is also inside a returned packed kit.
void check_return_devices(Report& report, const CreateOrderRequest& request) {
  if (!request.return_devices) {
    return;
  }
  std::set<std::int64_t> packed;
  if (request.return_packed_kits) {
    for (const ReturnPackedKit& kit : *request.return_packed_kits) {
      if (!kit.devices) {
        continue;
      }
      for (const ReturnDevice& device : *kit.devices) {
        if (device.id) {
          packed.insert(*device.id);
        }
      }
    }
  }
  const auto& devices = *request.return_devices;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const Pointer at = root / "returnDevices" / i / "id";
    if (!devices[i].id) {
      report.add_with_message(at, ErrorCode::invalid_data, "device id is required");
    } else if (packed.count(*devices[i].id) != 0) {
      report.add(at, ErrorCode::device_in_return_and_packed_kit);
    }
  }
}

/// Every string is UTF-8: JSON cannot carry anything else, and the encoder would throw.
template <typename Model>
void check_utf8(Report& report, const Model& request) {
  std::string pointer;
  detail::for_each_string(
      request, pointer, [&report](const std::string& at, const std::string& text) {
        if (!detail::is_valid_utf8(text)) {
          report.add_with_message(Pointer(at), ErrorCode::invalid_data, "not valid UTF-8");
        }
      });
}

}  // namespace

std::vector<Violation> validate(const Patient& patient) {
  Report report;
  check_new_patient(report, patient, root);
  check_date_of_birth(report, patient, root);
  check_email(report, patient, root);
  check_enum(report, root / "sex", "sex", patient.sex);
  check_utf8(report, patient);
  return std::move(report).take();
}

std::vector<Violation> validate(const CreateOrderRequest& request) {
  Report report;
  check_recipient(report, request);
  check_content(report, request);
  check_lines(report, request.order_items, "orderItems", &OrderItem::item, "item");
  check_lines(report, request.order_kits, "orderKits", &OrderKit::kit, "kit");
  check_shipping(report, request);
  check_lines(report, request.return_items, "returnItems", &ReturnItem::item, "item");
  check_return_devices(report, request);
  check_return_packed_kits(report, request);
  check_utf8(report, request);
  return std::move(report).take();
}

}  // namespace impilo
