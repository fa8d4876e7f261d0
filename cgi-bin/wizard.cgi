#!/usr/bin/perl
# cgi-bin/wizard.cgi — a three-step wizard in Perl (core modules only).
# Each answer is stored in the session as soon as a step is submitted
# (wiz_name, wiz_colour, wiz_quest), and every step's form is filled from
# the session, so the answers survive the browser's back and forward
# buttons and the wizard's own Back button.
use strict;
use warnings;

my %colours = (red => 'Red', green => 'Green', blue => 'Blue', yellow => 'Yellow');
my @steps = (
	[ 'wiz_name',   'What is your name?' ],
	[ 'wiz_colour', 'What is your favourite colour?' ],
	[ 'wiz_quest',  'What is your quest?' ],
);

sub esc {
	my $s = shift // '';
	$s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g;
	$s =~ s/"/&quot;/g; $s =~ s/'/&#39;/g;
	return $s;
}
sub dec { my $s = shift // ''; $s =~ tr/+/ /; $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; $s =~ tr/\0//d; return $s; }
sub enc { my $s = shift // ''; $s =~ s/([^A-Za-z0-9_.~-])/sprintf '%%%02X', ord $1/ge; return $s; }
sub parse {
	my %p;
	for (split /&/, shift // '') {
		my ($k, $v) = split /=/, $_, 2;
		$k = dec($k);
		$p{$k} = dec($v) unless exists $p{$k};
	}
	return \%p;
}
sub sess { my $v = $ENV{"SESSION_$_[0]"}; return defined $v ? $v : ''; }
my $token = $ENV{SESSIONWRAP_CSRF_TOKEN} // '';
sub csrf_field { return '<input type="hidden" name="csrf_token" value="' . esc($token) . '">'; }
sub redirect {
	my ($loc, @headers) = @_;
	print "Status: 303 See Other\r\nLocation: $loc\r\n";
	print "$_\r\n" for @headers;
	print "Content-Type: text/plain\r\n\r\nSee $loc\n";
	exit 0;
}

# --- POST: save the step's answer, then go where the button says ----------
if (($ENV{REQUEST_METHOD} // 'GET') eq 'POST') {
	my $len = $ENV{CONTENT_LENGTH} // 0;
	$len = 65536 if $len > 65536;
	my $body = '';
	read(STDIN, $body, $len) if $len > 0;
	my $f = parse($body);
	if (($f->{csrf_token} // '') eq '' || $f->{csrf_token} ne $token) {
		redirect('wizard.cgi', 'X-Session-Flash: warning=' .
		    enc('Your session had expired. Please submit the form again.'))
		    if ($ENV{SESSIONWRAP_NEW} // '0') eq '1';
		print "Status: 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n";
		print "Forbidden: the form did not carry this session's CSRF token.\n";
		exit 0;
	}
	if (($f->{go} // '') eq 'finish') {
		redirect('index.cgi', 'X-Session-Unset: wiz_name&wiz_colour&wiz_quest',
		    'X-Session-Flash: success=' .
		    enc('Wizard complete. Thank you, ' . sess('wiz_name') . '!'));
	}
	my $step = ($f->{step} // '') =~ /^([123])$/ ? $1 : 1;
	my ($key) = @{ $steps[$step - 1] };
	# At most 200 characters, as the form says: UTF-8 sequences count as
	# one and are never cut (any other byte counts as one too).
	my ($answer) = ($f->{answer} // '') =~ /^((?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}|.){0,200})/s;
	$answer = '' if $key eq 'wiz_colour' && !$colours{$answer};
	my $next = ($f->{go} // '') eq 'back' ? $step - 1 : $step + 1;
	$next = 1 if $next < 1;
	redirect("wizard.cgi?step=$next", "X-Session-Set: $key=" . enc($answer));
}

# --- GET: show a step, or the summary ------------------------------------
my $q = parse($ENV{QUERY_STRING});
my $step = ($q->{step} // '') =~ /^([1-4])$/ ? $1 : 1;
my @cart = grep { length } split /,/, sess('cart');
my $theme = sess('theme') eq 'dark' ? 'dark' : 'light';
my $lang = sess('lang') =~ /^(de|fr)$/ ? $1 : 'en';
my $user = sess('user');

print "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n";
print "X-Session-Set: started=" . time . "\r\n" if ($ENV{SESSION} // '') eq '';
print "\r\n";
print <<"HTML";
<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Wizard — sessionwrap demo</title>
<link rel="stylesheet" href="style.css">
</head>
<body class="$theme">
<header>
<a class="brand" href="index.cgi">sessionwrap demo</a>
<nav>
<a href="index.cgi">Home</a>
<a href="pet.cgi">Pet</a>
<a href="cart.cgi">Cart <span class="badge" id="cart-count">${\ scalar @cart}</span></a>
<a href="prefs.cgi">Preferences</a>
<a href="wizard.cgi">Wizard</a>
<a href="admin.cgi">Admin</a>
<a href="whoami.cgi">Who am I</a>
</nav>
<div class="user">
HTML
if ($user ne '') {
	print '<a href="profile.cgi">' . esc($user) . "</a>\n";
	print '<form method="post" action="logout.cgi" class="inline">' . csrf_field() .
	    "<button type=\"submit\">Log out</button></form>\n";
} else {
	print "<a href=\"login.cgi\">Log in</a>\n";
}
print "</div>\n</header>\n<main>\n<h1>Wizard</h1>\n";
for (split /&/, $ENV{SESSIONWRAP_FLASH} // '') {
	my ($cat, $msg) = split /=/, $_, 2;
	$cat = dec($cat); $cat =~ tr/a-z//cd; $cat ||= 'info';
	print "<p class=\"flash $cat\">" . esc(dec($msg)) . "</p>\n";
}

print '<ol class="steps">';
for my $i (1 .. 4) {
	my $label = $i == 4 ? 'Summary' : "Step $i";
	print $i == $step ? "<li class=\"current\">$label</li>" : "<li><a href=\"wizard.cgi?step=$i\">$label</a></li>";
}
print "</ol>\n";

if ($step == 4) {
	print "<dl id=\"summary\">\n";
	for (@steps) {
		my ($key, $question) = @$_;
		my $v = sess($key);
		$v = $colours{$v} if $key eq 'wiz_colour' && $colours{$v};
		print '<dt>' . esc($question) . '</dt><dd>' . (length $v ? esc($v) : '<em>no answer</em>') . "</dd>\n";
	}
	print "</dl>\n";
	print '<form method="post" action="wizard.cgi" class="card">' . csrf_field() .
	    '<input type="hidden" name="step" value="3"><div class="buttons">' .
	    '<button type="submit" name="go" value="finish">Finish</button>' .
	    '<button type="submit" name="go" value="back">Back</button></div></form>' . "\n";
} else {
	my ($key, $question) = @{ $steps[$step - 1] };
	my $v = sess($key);
	my $input;
	if ($key eq 'wiz_colour') {
		$input = '<select name="answer">' . join('', map {
		    "<option value=\"$_\"" . ($v eq $_ ? ' selected' : '') . ">$colours{$_}</option>"
		} sort keys %colours) . '</select>';
	} else {
		$input = '<input name="answer" maxlength="200" value="' . esc($v) . '">';
	}
	print '<form method="post" action="wizard.cgi" class="card">' . csrf_field() .
	    "<input type=\"hidden\" name=\"step\" value=\"$step\">" .
	    '<label>' . esc($question) . " $input</label>\n" .
	    # Next comes first, so Enter means Next; CSS shows Back on the left.
	    '<div class="buttons"><button type="submit" name="go" value="next">Next</button>' .
	    ($step > 1 ? '<button type="submit" name="go" value="back">Back</button>' : '') .
	    "</div></form>\n";
}
print <<'HTML';
</main>
<footer>Plain CGI programs in sh, Perl and C; the sessions are sessionwrap&#39;s.</footer>
</body>
</html>
HTML
