#pragma once

/// @file
/// The catalogue: `Item`s, their `Manufacturer`, and `Kit`s of items.
///
/// Part of `<impilo/models.hpp>`, whose conventions apply; each model's operators are those of
/// `<impilo/model_list.hpp>`.

#include <cstdint>
#include <impilo/model_basics.hpp>
#include <impilo/model_list.hpp>
#include <optional>
#include <string>
#include <vector>

namespace impilo {

/// The maker of an item.
struct Manufacturer {
  std::optional<std::int64_t> id;   ///< `id`
  std::optional<std::string> name;  ///< `name`
  UnknownFields unknown_fields;     ///< Members the SDK does not model.
};

/// A catalogue item (a device model or an accessory). On an order, only `id` is used. Newer
/// responses carry more members (`deviceIdentifierType`, `itemClass`, `size`, ...): they are kept
/// in `unknown_fields`.
struct Item {
  std::optional<std::int64_t> id;            ///< `id`
  std::optional<Manufacturer> manufacturer;  ///< `manufacturer`
  std::optional<std::string> name;           ///< `name`
  std::optional<std::string> model;          ///< `model`
  std::optional<std::string> sku;            ///< `sku`
  std::optional<bool> orderable;             ///< `orderable`
  UnknownFields unknown_fields;              ///< Members the SDK does not model.

  /// A reference to a catalogue item, the only form an order needs.
  static Item with_id(std::int64_t item_id) {
    Item i;
    i.id = item_id;
    return i;
  }
};

/// One line of a kit's contents: which item, how many.
struct KitItem {
  std::optional<Item> item;           ///< `item`
  std::optional<std::int64_t> count;  ///< `count`
  UnknownFields unknown_fields;       ///< Members the SDK does not model.
};

/// A kit: a bundle of items shipped together. On an order, only `id` is used.
struct Kit {
  std::optional<std::int64_t> id;                 ///< `id`
  std::optional<std::string> name;                ///< `name`
  std::optional<bool> archived;                   ///< `archived`
  std::optional<std::vector<KitItem>> kit_items;  ///< `kitItems`
  UnknownFields unknown_fields;                   ///< Members the SDK does not model.

  /// A reference to a catalogue kit, the only form an order needs.
  static Kit with_id(std::int64_t kit_id) {
    Kit k;
    k.id = kit_id;
    return k;
  }
};

}  // namespace impilo
