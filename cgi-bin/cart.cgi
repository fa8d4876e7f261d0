#!/bin/sh
# cgi-bin/cart.cgi — the shopping cart: a small catalogue, add and remove
# buttons.  Each item put in is a session key of its own,
# cart_<item>_<random>=1 (see cart_count in lib/demo.sh): adds from two
# tabs at once are merged by sessionwrap, none is lost.  The page header
# shows the count.
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
		key=cart_${item}_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
		redirect cart.cgi "success=Item added: $name" "X-Session-Set: $key=1"
		;;
	remove)
		# One of the item's keys, if any.
		key=$(env | sed -n "s/^SESSION_\(cart_${item}_[0-9a-f]*\)=.*/\1/p" | head -n 1)
		if [ -z "$key" ]; then
			redirect cart.cgi "error=No $name in your cart."
		else
			redirect cart.cgi "info=Item removed: $name" "X-Session-Unset: $key"
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
	for id in apple tea bread cheese; do
		n=$(cart_count "$id")
		[ "$n" -gt 0 ] || continue
		printf '<li>%s × %s ' "$n" "$(html "$(label "$id")")"
		button remove "$id" "Remove one"
		printf '</li>\n'
	done
	printf '</ul>\n'
fi
page_end
