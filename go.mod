module github.com/galvani-web/galvani

go 1.26
