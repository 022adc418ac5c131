package template

import (
	"math/rand/v2"
	"strings"
)

const loremCommonP = "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum."

var loremCommonWords = strings.Fields("lorem ipsum dolor sit amet consectetur adipisicing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua")

// loremVocabulary is Latin vocabulary for the random parts of {% lorem %}.
var loremVocabulary = strings.Fields(`a ab accusamus accusantium ad adipisci alias aliquam aliquid amet animi aperiam
architecto asperiores aspernatur assumenda at atque aut autem beatae blanditiis commodi consectetur
consequatur consequuntur corporis corrupti culpa cum cumque cupiditate debitis delectus deleniti
deserunt dicta dignissimos distinctio dolor dolore dolorem doloremque dolores doloribus dolorum
ducimus ea eaque earum eius eligendi enim eos error esse est et eum eveniet ex excepturi exercitationem
expedita explicabo facere facilis fuga fugiat fugit harum hic id illo illum impedit in incidunt
inventore ipsa ipsam ipsum iste itaque iure iusto labore laboriosam laborum laudantium libero magnam
magni maiores maxime minima minus modi molestiae molestias mollitia nam natus necessitatibus nemo neque
nesciunt nihil nisi nobis non nostrum nulla numquam obcaecati odio odit officia officiis omnis optio
pariatur perferendis perspiciatis placeat porro possimus praesentium provident quae quaerat quam quas
quasi qui quia quibusdam quidem quis quisquam quo quod quos ratione recusandae reiciendis rem
repellat repellendus reprehenderit repudiandae rerum saepe sapiente sed sequi similique sint sit
soluta sunt suscipit tempora tempore temporibus tenetur totam ullam unde ut vel velit veniam
veritatis vero vitae voluptas voluptate voluptatem voluptates voluptatibus voluptatum`)

func loremSentence() string {
	var parts []string
	for i := rand.IntN(5) + 1; i > 0; i-- {
		n := rand.IntN(9) + 3
		words := make([]string, n)
		for j := range words {
			words[j] = loremVocabulary[rand.IntN(len(loremVocabulary))]
		}
		parts = append(parts, strings.Join(words, " "))
	}
	s := strings.Join(parts, ", ")
	end := "."
	if rand.IntN(2) == 0 {
		end = "?"
	}
	return strings.ToUpper(s[:1]) + s[1:] + end
}

func loremParagraph() string {
	n := rand.IntN(4) + 1
	s := make([]string, n)
	for i := range s {
		s[i] = loremSentence()
	}
	return strings.Join(s, " ")
}

// loremParagraphs returns count paragraphs; with common the first is the standard
// "Lorem ipsum dolor sit amet..." paragraph.
func loremParagraphs(count int, common bool) []string {
	out := make([]string, max(count, 0))
	for i := range out {
		if common && i == 0 {
			out[i] = loremCommonP
		} else {
			out[i] = loremParagraph()
		}
	}
	return out
}

// loremWords returns count words; with common they start with "lorem ipsum dolor...".
func loremWords(count int, common bool) string {
	var words []string
	if common {
		// Python's word_list[:count]: a negative count drops words from the end.
		n := min(count, len(loremCommonWords))
		if n < 0 {
			n = max(0, len(loremCommonWords)+n)
		}
		words = append(words, loremCommonWords[:n]...)
	}
	for len(words) < count {
		words = append(words, loremVocabulary[rand.IntN(len(loremVocabulary))])
	}
	return strings.Join(words, " ")
}
