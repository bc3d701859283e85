// From a patient in your EHR to an order: ensure the Impilo patient by its EHR id (one patient per
// id, however often this runs), find a kit in the catalogue instead of hard-coding its id, and
// place the order with a ticket. docs/patients.md explains each step and what it costs.
//
// Reads IMPILO_BASE_URL and IMPILO_API_KEY. Try it against the simulator:
//   impilo mock --port 8080 &
//   IMPILO_BASE_URL=http://127.0.0.1:8080 IMPILO_API_KEY=sim-key-1 ./ehr_patient_order

#include <impilo/impilo.hpp>

#include <iostream>
#include <string>
#include <vector>

int main() {
  try {
    impilo::Client client(impilo::ClientOptions::from_env());

    // The patient as your EHR has it. externalIdentifier is your EHR's id: the key.
    impilo::Patient patient;
    patient.external_identifier = "ehr-778812";
    patient.first_name = "Thandiwe";
    patient.last_name = "Mokoena";
    patient.date_of_birth = "1958-04-12";
    patient.sex = impilo::SexValue::female;
    impilo::Address address;
    address.line_one = "12 Jacaranda Street";
    address.city = "Springfield";
    address.state = "IL";
    address.zip_code = "62701";
    address.country = "US";
    patient.address = address;

    // Found by its EHR id (1 GET), or created once (1 GET + 1 POST). Printed: Impilo's ids only.
    const impilo::Patient ensured = client.ensure_patient(patient);
    std::cout << "patient " << *ensured.id << "\n";

    impilo::CreateOrderRequest request;
    request.patient = impilo::Patient::with_id(*ensured.id);
    request.order_items = {impilo::OrderItem::of(1000, 1)};  // a blood-pressure monitor
    request.shipping_option = impilo::ShippingOptionValue::standard;
    request.external_order_ids = std::vector<std::string>{"visit-2024-0117-01"};  // your number

    // A kit of the catalogue that holds a cuff (item 1004), if there is one: looked up, not
    // hard-coded, since kit ids differ between accounts.
    impilo::ListKitsParams kit_params;
    kit_params.item_id = 1004;
    kit_params.archived = false;
    const impilo::Page<impilo::Kit> kits = client.list_kits(kit_params);
    if (!kits.content.empty() && kits.content.front().id) {
      const impilo::Kit& kit = kits.content.front();
      request.order_kits = {impilo::OrderKit::of(*kit.id, 1)};
      std::cout << "kit " << *kit.id << " (" << kit.name.value_or("?") << ")\n";
    }

    // The ticket: store ticket.to_string() with your own record before placing it; placing the
    // same ticket again (a rerun, a crash) finds the order instead of sending a second one.
    const impilo::CreateTicket ticket = client.prepare_order(request);
    const impilo::Order order = client.place_order(ticket);
    std::cout << "order " << *order.id << " for patient " << *order.patient->id << "\n";

    // The next order for this person: the same patient, not a new one.
    const impilo::Patient again = client.ensure_patient(patient);
    std::cout << "ensured again: patient " << *again.id << "\n";
    return again.id == ensured.id ? 0 : 1;
  } catch (const impilo::ValidationError& e) {  // nothing was sent
    for (const auto& v : e.violations()) std::cerr << v.field << ": " << v.message << "\n";
    return 1;
  } catch (const impilo::AmbiguousCreateError&) {
    // The patient or the order may exist. Run again later: ensure_patient and place_order look
    // before they send. (Not printed: the EHR id, which identifies a person.)
    std::cerr << "undecided: the create may have happened; run again later\n";
    return 2;
  } catch (const impilo::Error& e) {
    std::cerr << "EHR patient order failed: " << e.what() << "\n";
    return 1;
  }
}
