"""Presenter talk, news and ad copy for the synthetic speech. The held-out profile has its own pool
so speech-heavy behaviour can't be tuned on the same sentences."""
import random

MAIN = {
    'voices': ['en', 'en-us', 'en-gb-scotland', 'en-gb-x-rp', 'en-029'],
    'variants': ['', '+m1', '+m3', '+f1', '+f3', '+m7'],
    'names': ['Radio Kilimanjaro', 'Coast FM', 'Sunrise Ninety Eight', 'Capital Beat', 'Metro Wave'],
    'people': ['Amina', 'Joseph', 'Grace', 'Peter', 'Halima', 'Daniel'],
    'places': ['Dar es Salaam', 'Arusha', 'Mombasa', 'Kisumu', 'Dodoma', 'Mwanza'],
    'templates': [
        "You're listening to {name}, the home of the biggest hits all day long.",
        "Good morning {place}, this is {person} with you until ten o'clock.",
        "Traffic update: the road into {place} is slow this morning, so give yourself an extra twenty minutes.",
        "The weather in {place} today is sunny with a high of {n} degrees and a light breeze from the east.",
        "In the news this hour, the council in {place} has approved a new market building worth {n} million.",
        "Don't forget, the {name} roadshow is in {place} this Saturday from ten in the morning.",
        "That was a great one. Coming up next, more music and your messages on the request line.",
        "Send us a message on {n} {n} {n} and tell {person} what you want to hear.",
        "Fresh bread every morning at the {person} family bakery, open seven days a week.",
        "Sports now: {place} United won {d} to {d2} last night after a late goal in the second half.",
        "It is {n} minutes past the hour, and you are locked in to {name}.",
        "Thanks for all the calls this morning, we read every one of them here in the studio.",
        "Call now and get two phones for the price of one at {person} Electronics in {place}.",
        "Here is a song that many of you asked for this week, enjoy it.",
    ],
}

HELDOUT = {
    'voices': ['en-gb', 'en-us', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd'],
    'variants': ['', '+m2', '+m5', '+f2', '+f4', '+klatt'],
    'names': ['Lake Radio', 'Highland One', 'Savannah Sounds', 'River City FM'],
    'people': ['Esther', 'Moses', 'Fatuma', 'Samuel', 'Rehema'],
    'places': ['Moshi', 'Tanga', 'Iringa', 'Nakuru', 'Eldoret', 'Zanzibar'],
    'templates': [
        "This is {name} and it is a beautiful evening over {place}.",
        "Stay with us, because after the break {person} joins the show to talk about farming.",
        "The price of maize at the {place} market rose again this week, traders say.",
        "Power will be off in parts of {place} on Tuesday between nine and four for maintenance.",
        "Our competition closes on Friday, so text the word music to {n} {n} to enter.",
        "Visit {person} Motors in {place} for the best deals on second hand cars.",
        "The ferry to {place} is running on time this afternoon with no delays reported.",
        "Happy birthday to {person} in {place}, your friends say you are the best.",
        "Health tip of the day: drink clean water and wash your hands before every meal.",
        "The school fees deadline in {place} has been moved to the end of the month.",
        "Rain is expected tonight in {place}, with about {n} millimetres by the morning.",
        "Last night {place} Stars beat the visitors {d} to {d2} in front of a full stadium.",
        "Keep your dial right here, more good music is on the way.",
    ],
}


class SpeechTexts:
    def __init__(self, profile, seed):
        self.pool = HELDOUT if profile == 'heldout' else MAIN
        self.seed = seed

    def voice(self, rng):
        return rng.choice(self.pool['voices']) + rng.choice(self.pool['variants'])

    def text(self, seconds, rng=None):
        """Enough sentences for about `seconds` of speech at ~2.6 words a second."""
        rng = rng or random.Random(self.seed)
        p = self.pool
        out, words = [], 0
        while words < seconds * 2.6:
            s = rng.choice(p['templates']).format(
                name=rng.choice(p['names']), place=rng.choice(p['places']), person=rng.choice(p['people']),
                n=rng.randint(2, 99), d=rng.randint(0, 4), d2=rng.randint(0, 4))
            out.append(s)
            words += len(s.split())
        return ' '.join(out)
