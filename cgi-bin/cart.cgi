#!/bin/sh
# cgi-bin/cart.cgi — the shopping cart: a small catalogue, add and remove
# buttons, and the cart kept in the session key `cart` as a comma-separated
# list of item ids ("apple,tea,apple").  The page header shows the count.
. ./lib/demo.sh

label() {
	case $1 in
	apple) echo "Apple" ;; tea) echo "Green tea" ;;
	bread) echo "Sourdough bread" ;; cheese) echo "Cheddar" ;; *) echo "" ;;
	esac
}

if [ "${REQUEST_METHOD:-GET}" = POST ]; then
	csrf_check
	item=$(form item)
	name=$(label "$item")
	if [ -z "$name" ]; then
		redirect cart.cgi "error=No such item."
		exit 0
	fi
	case $(form action) in
	add)
		if [ "$(cart_count)" -ge 50 ]; then
			redirect cart.cgi "error=Your cart is full."
			exit 0
		fi
		cart=${SESSION_cart:+$SESSION_cart,}$item
		redirect cart.cgi "success=Item added: $name" "X-Session-Set: cart=$cart"
		;;
	remove)
		# Drop the first occurrence of item.
		cart=$(printf '%s' "${SESSION_cart:-}" | tr ',' '\n' |
			awk -v x="$item" '$0 == x && !done { done = 1; next } { print }' |
			paste -sd, -)
		if [ -z "$cart" ]; then
			redirect cart.cgi "info=Item removed: $name" "X-Session-Unset: cart"
		else
			redirect cart.cgi "info=Item removed: $name" "X-Session-Set: cart=$cart"
		fi
		;;
	*)
		redirect cart.cgi "error=Unknown action."
		;;
	esac
	exit 0
fi

FORM_PAGE=1 page_start "Shopping cart"
button() { # button ACTION ITEM TEXT
	printf '<form method="post" action="cart.cgi" class="inline">%s' "$(csrf_field)"
	printf '<input type="hidden" name="action" value="%s">' "$1"
	printf '<input type="hidden" name="item" value="%s">' "$2"
	printf '<button type="submit" name="go" value="%s-%s">%s</button></form>' "$1" "$2" "$3"
}
printf '<h2>Shop</h2>\n<ul class="items">\n'
for id in apple tea bread cheese; do
	printf '<li>%s ' "$(label "$id")"
	button add "$id" "Add to cart"
	printf '</li>\n'
done
printf '</ul>\n<h2>In your cart</h2>\n'
if [ "$(cart_count)" = 0 ]; then
	printf '<p id="cart-empty">Your cart is empty.</p>\n'
else
	printf '<ul class="items" id="cart-items">\n'
	printf '%s' "$SESSION_cart" | tr ',' '\n' | sort | uniq -c | while read -r n id; do
		name=$(label "$id")
		[ -n "$name" ] || continue
		printf '<li>%s × %s ' "$n" "$(html "$name")"
		button remove "$id" "Remove one"
		printf '</li>\n'
	done
	printf '</ul>\n'
fi
page_end
